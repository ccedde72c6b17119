using System.Diagnostics;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Hub;

/// <summary>
/// One published message with its wire forms, encoded once and shared by every subscriber.
/// </summary>
public sealed class GatewayMessage
{
    private GatewayMessage(MessageId? id, MessageDraft draft)
    {
        Id = id;
        EventId = draft.CustomId ?? id?.ToString();
        Topics = draft.Topics;
        EventType = draft.EventType;
        Data = draft.Data;
        SseFrame = SseFrameEncoder.EncodeEvent(draft.EventType, EventId, draft.Data, draft.RetryMilliseconds);
        WebSocketFrame = WebSocketFrameEncoder.EncodeText(draft.Data);
        Utf8Data = WebSocketFrameEncoder.Payload(WebSocketFrame);
        AcceptedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// When this node got the message (a <see cref="Stopwatch"/> timestamp), where <c>pushgateway.delivery.duration</c>
    /// starts: when its publish was taken (in-process; a node-local tick), or when this node read it from the
    /// backplane (Redis: the way there is <c>pushgateway.backplane.lag</c>). The monotonic clock, not the
    /// <see cref="TimeProvider"/>: it measures work done, which a fake clock in tests would hide.
    /// </summary>
    public long AcceptedAt { get; }

    /// <summary>
    /// The backplane's id, which orders every message; null for a node-local message (a tick on a
    /// cluster), which is neither kept nor resumable.
    /// </summary>
    public MessageId? Id { get; }

    /// <summary>The id clients see: the publisher's own, or <see cref="Id"/>; null sends no <c>id:</c> field.</summary>
    public string? EventId { get; }

    public IReadOnlyList<string> Topics { get; }

    /// <summary>The SSE <c>event</c> field; <c>message</c> is the EventSource default.</summary>
    public string EventType { get; }

    public string Data { get; }

    /// <summary>The data as UTF-8: the payload of a WebSocket text message (a slice of <see cref="WebSocketFrame"/>).</summary>
    public ReadOnlyMemory<byte> Utf8Data { get; }

    /// <summary>The data as one complete, unmasked WebSocket text frame (server to client), header included.</summary>
    public ReadOnlyMemory<byte> WebSocketFrame { get; }

    /// <summary>The complete <c>text/event-stream</c> frame, blank line included.</summary>
    public ReadOnlyMemory<byte> SseFrame { get; }

    public bool IsOnAnyOf(IReadOnlySet<string> topics)
    {
        foreach (var topic in Topics)
        {
            if (topics.Contains(topic))
            {
                return true;
            }
        }

        return false;
    }

    public static GatewayMessage Create(MessageId? id, MessageDraft draft) => new(id, draft);
}
