using System.Text;
using PushGateway.Transports.ServerSentEvents;

namespace PushGateway.Hub;

/// <summary>
/// One published message with its wire forms, encoded once and shared by every subscriber.
/// </summary>
public sealed class GatewayMessage
{
    private GatewayMessage(MessageId id, string topic, string eventType, string data)
    {
        Id = id;
        Topic = topic;
        EventType = eventType;
        Data = data;
        Utf8Data = Encoding.UTF8.GetBytes(data);
        SseFrame = SseFrameEncoder.EncodeEvent(eventType, id.ToString(), data);
    }

    public MessageId Id { get; }

    public string Topic { get; }

    /// <summary>The SSE <c>event</c> field; <c>message</c> is the EventSource default.</summary>
    public string EventType { get; }

    public string Data { get; }

    /// <summary>The data as UTF-8: the payload of a WebSocket text message.</summary>
    public ReadOnlyMemory<byte> Utf8Data { get; }

    /// <summary>The complete <c>text/event-stream</c> frame, blank line included.</summary>
    public ReadOnlyMemory<byte> SseFrame { get; }

    internal static GatewayMessage Create(MessageId id, string topic, string eventType, string data) =>
        new(id, topic, eventType, data);
}
