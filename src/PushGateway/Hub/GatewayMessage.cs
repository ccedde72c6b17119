using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PushGateway.Hub;

/// <summary>
/// One published message, shared by every subscriber, with its bytes in each wire format that was asked for:
/// encoded once per format, on first use (see <see cref="MessageFormat"/>).
/// </summary>
internal sealed class GatewayMessage
{
    // The formats this message has been encoded in: one or two, so a list beats a dictionary; prepended
    // lock-free, so the writers of a broadcast never wait for each other.
    private static readonly Lock[] EncodeLocks = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    private Encoded? _encoded;

    private GatewayMessage(MessagePosition? position, MessageDraft draft)
    {
        Position = position;
        EventId = draft.EventId ?? position?.ToString();
        Topics = draft.Topics;
        EventType = draft.EventType;
        Data = draft.Data;
        RetryMilliseconds = draft.RetryMilliseconds;
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
    /// Where the backplane put the message, which orders every message; null for a node-local message (a tick
    /// on a cluster), which is neither kept nor resumable.
    /// </summary>
    public MessagePosition? Position { get; }

    /// <summary>The id clients see: the publisher's own, or <see cref="Position"/>; null sends no <c>id:</c> field.</summary>
    public string? EventId { get; }

    public IReadOnlyList<string> Topics { get; }

    /// <summary>The SSE <c>event</c> field; <c>message</c> is the EventSource default.</summary>
    public string EventType { get; }

    public string Data { get; }

    /// <summary>The reconnection delay the publisher asked clients to use, if any.</summary>
    public int? RetryMilliseconds { get; }

    /// <summary>This message in <paramref name="format"/>: encoded on the first call, the same bytes on every later one.</summary>
    public ReadOnlyMemory<byte> EncodedAs(MessageFormat format) =>
        Find(Volatile.Read(ref _encoded), format) is { } encoded ? encoded.Bytes : Add(format);

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

    public static GatewayMessage Create(MessagePosition? position, MessageDraft draft) => new(position, draft);

    /// <summary>
    /// Encodes once: a writer that finds another encoding the same message waits for its bytes rather than making its
    /// own (an encoding can cost more than the wait: compression). Striped locks, so that a message holds no lock of its own.
    /// </summary>
    private ReadOnlyMemory<byte> Add(MessageFormat format)
    {
        lock (EncodeLocks[(RuntimeHelpers.GetHashCode(this) ^ RuntimeHelpers.GetHashCode(format)) & (EncodeLocks.Length - 1)])
        {
            var head = Volatile.Read(ref _encoded);
            if (Find(head, format) is { } won)
            {
                return won.Bytes;
            }

            var bytes = format.Encode(this);
            // Writers add other formats without this lock's stripe: a compare-exchange keeps every one.
            while (Interlocked.CompareExchange(ref _encoded, new Encoded(format, bytes, head), head) != head)
            {
                head = Volatile.Read(ref _encoded);
            }

            return bytes;
        }
    }

    private static Encoded? Find(Encoded? head, MessageFormat format)
    {
        for (var encoded = head; encoded is not null; encoded = encoded.Next)
        {
            if (ReferenceEquals(encoded.Format, format))
            {
                return encoded;
            }
        }

        return null;
    }

    private sealed record Encoded(MessageFormat Format, ReadOnlyMemory<byte> Bytes, Encoded? Next);
}
