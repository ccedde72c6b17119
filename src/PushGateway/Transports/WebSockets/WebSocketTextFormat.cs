using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// A message's data as one complete WebSocket text frame, header included. A server frame is never masked,
/// so every subscriber gets the same bytes.
/// </summary>
internal sealed class WebSocketTextFormat : MessageFormat
{
    public static readonly WebSocketTextFormat Instance = new();

    private WebSocketTextFormat()
    {
    }

    public override string Name => "ws-text";

    public override ReadOnlyMemory<byte> Encode(GatewayMessage message) => WebSocketFrameEncoder.EncodeText(message.Data);

    /// <summary>The message's data as UTF-8, the frame's payload, without a copy.</summary>
    public static ReadOnlyMemory<byte> Payload(GatewayMessage message) =>
        WebSocketFrameEncoder.Payload(message.EncodedAs(Instance));
}
