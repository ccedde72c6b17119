using PushGateway.Hub;
using PushGateway.Publishing;

namespace PushGateway.Backplanes.InProcess;

/// <summary>
/// The idempotency keys of one node's publishes, each with its request's fingerprint and position, for
/// <see cref="PublishOptions.IdempotencyWindow"/>, at most <see cref="PublishOptions.MaxIdempotencyKeys"/> of them
/// (oldest forgotten first). Not thread-safe: the backplane uses it under its lock.
/// </summary>
internal sealed class IdempotencyKeyStore(PublishOptions options, TimeProvider timeProvider)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys oldest first: with one window for all, that is also the order in which they expire.</summary>
    private readonly Queue<string> _order = new();

    /// <summary>The answer to an earlier publish under the same key within the window, replayed or refused by fingerprint; null when none.</summary>
    public PublishResult? Find(KeyedPublish publish)
    {
        var now = timeProvider.GetUtcNow();
        while (_order.TryPeek(out var oldest) && _entries[oldest].Expires <= now)
        {
            _entries.Remove(_order.Dequeue());
        }

        return _entries.TryGetValue(publish.Key, out var entry)
            ? new PublishResult(entry.Position, entry.Fingerprint == publish.Fingerprint ? PublishOutcome.Replayed : PublishOutcome.KeyReused)
            : null;
    }

    /// <summary>Remembers a new publish (its key not held: <see cref="Find"/> said so under the same lock).</summary>
    public void Add(KeyedPublish publish, MessagePosition position)
    {
        while (_order.Count >= options.MaxIdempotencyKeys)
        {
            _entries.Remove(_order.Dequeue());
        }

        _entries.Add(publish.Key, new Entry(publish.Fingerprint, position, timeProvider.GetUtcNow() + options.IdempotencyWindow));
        _order.Enqueue(publish.Key);
    }

    private sealed record Entry(string Fingerprint, MessagePosition Position, DateTimeOffset Expires);
}
