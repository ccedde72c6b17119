using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>A message as one complete <c>text/event-stream</c> frame, blank line included.</summary>
internal sealed class SseFormat : MessageFormat
{
    public static readonly SseFormat Instance = new();

    private SseFormat()
    {
    }

    public override string Name => "sse";

    public override ReadOnlyMemory<byte> Encode(GatewayMessage message) =>
        SseFrameEncoder.EncodeEvent(message.EventType, message.EventId, message.Data, message.RetryMilliseconds);
}
