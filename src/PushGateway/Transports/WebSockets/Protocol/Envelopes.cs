using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// The server's frames in the <c>pushgateway.v1.json</c> sub-protocol (docs/protocol.md), each a complete
/// WebSocket text frame holding one JSON envelope, written with <see cref="Utf8JsonWriter"/>.
/// </summary>
internal static class Envelopes
{
    /// <summary>The <c>Sec-WebSocket-Protocol</c> value that selects the sub-protocol on <c>/ws</c>.</summary>
    public const string SubProtocol = "pushgateway.v1.json";

    /// <summary>
    /// A message as a <c>message</c> envelope with all of its topics, so that one frame serves every subscriber
    /// whichever of its topics they hold.
    /// </summary>
    public static readonly MessageFormat Message = new("ws-json", static message => Encode(message, static (writer, message) =>
    {
        writer.WriteString("type", "message");
        writer.WriteStartArray("topics");
        foreach (var topic in message.Topics)
        {
            writer.WriteStringValue(topic);
        }

        writer.WriteEndArray();
        writer.WriteString("event", message.EventType);
        if (message.EventId is { } id)
        {
            writer.WriteString("id", id);
        }

        writer.WriteString("data", message.Data);
        if (message.RetryMilliseconds is { } retry)
        {
            writer.WriteNumber("retry", retry);
        }
    }));

    // Not HTML-safe escaping: a frame is never embedded in a page, and escaping every non-ASCII character would swell it.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The answer to a <c>subscribe</c>, for one of its topics: how its resume went.</summary>
    public static byte[] Subscribed(string? requestId, string topic, ResumeStatus resume) =>
        Encode((requestId, topic, resume), static (writer, state) =>
        {
            WriteAnswer(writer, "subscribed", state.requestId);
            writer.WriteString("topic", state.topic);
            writer.WriteString("resume", state.resume switch
            {
                ResumeStatus.Complete => "complete",
                ResumeStatus.Gap => "gap",
                _ => "none",
            });
        });

    /// <summary>The answer to an <c>unsubscribe</c>, for one of its topics: nothing of it follows.</summary>
    public static byte[] Unsubscribed(string? requestId, string topic) =>
        Encode((requestId, topic), static (writer, state) =>
        {
            WriteAnswer(writer, "unsubscribed", state.requestId);
            writer.WriteString("topic", state.topic);
        });

    /// <summary>The answer to a <c>publish</c> (with the id subscribers see) or a <c>refresh</c> (without).</summary>
    /// <param name="requestId">The request's <c>id</c>.</param>
    /// <param name="eventId">A publish's event id; null for a refresh.</param>
    /// <param name="replayed">A publish answered from an earlier one with the same idempotency key: nothing delivered again.</param>
    public static byte[] Ack(string? requestId, string? eventId, bool replayed = false) =>
        Encode((requestId, eventId, replayed), static (writer, state) =>
        {
            WriteAnswer(writer, "ack", state.requestId);
            if (state.eventId is not null)
            {
                writer.WriteString("eventId", state.eventId);
            }

            if (state.replayed)
            {
                writer.WriteBoolean("replayed", true);
            }
        });

    public static byte[] Pong(string? requestId) => Encode(requestId, static (writer, requestId) => WriteAnswer(writer, "pong", requestId));

    /// <summary>A request refused (<see cref="ProtocolErrors"/>); the socket stays open.</summary>
    public static byte[] Error(string? requestId, string code, string message, string? topic = null) =>
        Encode((requestId, code, message, topic), static (writer, state) =>
        {
            WriteAnswer(writer, "error", state.requestId);
            writer.WriteString("code", state.code);
            writer.WriteString("message", state.message);
            if (state.topic is not null)
            {
                writer.WriteString("topic", state.topic);
            }
        });

    /// <summary>Sent before the close of a draining node: come back (here or elsewhere) after this delay.</summary>
    public static byte[] Reconnect(int delayMilliseconds, string reason) =>
        Encode((delayMilliseconds, reason), static (writer, state) =>
        {
            writer.WriteString("type", "reconnect");
            writer.WriteNumber("delayMs", state.delayMilliseconds);
            writer.WriteString("reason", state.reason);
        });

    private static void WriteAnswer(Utf8JsonWriter writer, string type, string? requestId)
    {
        writer.WriteString("type", type);
        if (requestId is not null)
        {
            writer.WriteString("id", requestId);
        }
    }

    private static byte[] Encode<T>(T state, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            write(writer, state);
            writer.WriteEndObject();
        }

        return WebSocketFrameEncoder.EncodeUtf8(buffer.WrittenSpan);
    }
}
