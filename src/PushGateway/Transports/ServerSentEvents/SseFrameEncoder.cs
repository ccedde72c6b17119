using System.Buffers;
using System.Text;
using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Encodes <c>text/event-stream</c> frames (WHATWG HTML, "Server-sent events").</summary>
internal static class SseFrameEncoder
{
    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");

    /// <summary>A message as one complete event frame, blank line included.</summary>
    public static readonly MessageFormat Format = new(
        "sse", static message => EncodeEvent(message.EventType, message.EventId, message.Data, message.RetryMilliseconds));

    /// <summary>
    /// A message as one HTTP/1.1 chunk holding its event frame, for streams handed off by Kestrel's HTTP layer
    /// (<see cref="Handoff.ConnectionHandoff"/>), which frame their chunks themselves.
    /// </summary>
    public static readonly MessageFormat ChunkedFormat = new(
        "sse-chunked", static message => Chunk(EncodeEvent(message.EventType, message.EventId, message.Data, message.RetryMilliseconds)));

    /// <summary>The chunk that ends a chunked response.</summary>
    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;

    /// <summary>
    /// An event frame. Data is split on CRLF, CR and LF into one <c>data:</c> line each, which a
    /// client joins back with LF. Without an id, the client keeps the last id it had.
    /// </summary>
    public static byte[] EncodeEvent(string eventType, string? id, string data, int? retryMilliseconds = null)
    {
        ThrowIfMultiLine(eventType, nameof(eventType));
        var text = new StringBuilder(data.Length + eventType.Length + 64).Append("event: ").Append(eventType).Append('\n');
        if (id is not null)
        {
            ThrowIfMultiLine(id, nameof(id));
            text.Append("id: ").Append(id).Append('\n');
        }

        if (retryMilliseconds is { } retry)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(retry, nameof(retryMilliseconds));
            text.Append("retry: ").Append(retry).Append('\n');
        }

        var rest = data.AsSpan();
        while (true)
        {
            var lineEnd = rest.IndexOfAny(LineBreaks);
            text.Append("data: ").Append(lineEnd < 0 ? rest : rest[..lineEnd]).Append('\n');
            if (lineEnd < 0)
            {
                break;
            }

            var breakLength = rest[lineEnd] == '\r' && lineEnd + 1 < rest.Length && rest[lineEnd + 1] == '\n' ? 2 : 1;
            rest = rest[(lineEnd + breakLength)..];
        }

        return Encoding.UTF8.GetBytes(text.Append('\n').ToString());
    }

    /// <summary>The reconnection delay a client should use, sent once when a stream opens.</summary>
    public static byte[] EncodeRetry(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        return Encoding.UTF8.GetBytes($"retry: {milliseconds}\n\n");
    }

    /// <summary>A comment line: ignored by clients, it keeps proxies and idle timers from closing the stream.</summary>
    public static byte[] EncodeComment(string comment)
    {
        ThrowIfMultiLine(comment, nameof(comment));
        return Encoding.UTF8.GetBytes($": {comment}\n\n");
    }

    /// <summary><paramref name="data"/> as one HTTP/1.1 chunk (RFC 9112, section 7.1): its size in hex, CRLF, the data, CRLF.</summary>
    public static byte[] Chunk(ReadOnlySpan<byte> data)
    {
        var size = Encoding.ASCII.GetBytes($"{data.Length:x}\r\n");
        var chunk = new byte[size.Length + data.Length + 2];
        size.CopyTo(chunk, 0);
        data.CopyTo(chunk.AsSpan(size.Length));
        "\r\n"u8.CopyTo(chunk.AsSpan(size.Length + data.Length));
        return chunk;
    }

    private static void ThrowIfMultiLine(string value, string paramName)
    {
        if (value.AsSpan().ContainsAny(LineBreaks))
        {
            throw new ArgumentException("Must not contain a line break.", paramName);
        }
    }
}
