using PushGateway.Hub;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// History and resume, read from the topic streams, whose ids are the delivery stream's: comparable across
/// topics and nodes, which is what lets a client resume on any node. Whether anything was missed is exact:
/// each topic entry names the one before it, so a resume knows when trimming took one it never saw.
/// </summary>
internal sealed class RedisHistory(RedisConnection connection, RedisKeys keys, RedisOptions options, RedisDeliveryTail tail)
{
    public async ValueTask<HistoryPage> ReadAsync(string lastEventId, MessageId? upTo, IReadOnlySet<string> topics)
    {
        // Nothing delivered to this node yet: the subscriber joined where the node started tailing.
        var end = upTo ?? tail.AttachedAt ?? throw new BackplaneUnavailableException("Not attached to the delivery stream yet.");
        var lastSeen = await ResolveAsync(lastEventId, topics, end).ConfigureAwait(false);
        var messages = new SortedDictionary<MessageId, GatewayMessage>(MessageId.Order);
        var complete = lastSeen is not null;
        foreach (var topic in topics)
        {
            // Up to the newest, not just to end: the first entry after the client's id is the one that
            // tells whether anything between the two was trimmed, wherever it stands.
            var entries = await connection.RunAsync(database => database.StreamRangeAsync(
                keys.Topic(topic), lastSeen is { } seen ? "(" + seen : "-", "+")).ConfigureAwait(false);
            if (complete && entries.Length > 0 && MissedBefore(entries[0], lastSeen!.Value))
            {
                complete = false;
            }

            foreach (var entry in entries)
            {
                var id = RedisEntry.ParseId(entry.Id);
                if (!id.IsAfter(end))
                {
                    messages.TryAdd(id, RedisEntry.ToMessage(entry));
                }
            }
        }

        return new HistoryPage([.. messages.Values], complete ? ResumeStatus.Complete : ResumeStatus.Gap);
    }

    /// <summary>Where the client stands: its id if it is one of this dataset's, the entry of a publisher's own id, or null (unknown).</summary>
    private async Task<MessageId?> ResolveAsync(string lastEventId, IReadOnlySet<string> topics, MessageId end)
    {
        if (MessageId.TryParse(lastEventId, out var id))
        {
            var epoch = await connection.RunAsync(database => database.StringGetAsync(keys.Epoch)).ConfigureAwait(false);
            // An id from before this dataset began (Redis restarted without persistence) cannot be placed.
            if (!epoch.IsNull && id.Value.Epoch < (long)epoch)
            {
                return null;
            }

            // Ahead of this node is fine (it may lag the node the client came from); ahead of Redis, the
            // id was never issued and cannot be placed either.
            return id.Value.IsAfter(end) && !await IssuedAsync(id.Value).ConfigureAwait(false) ? null : id;
        }

        foreach (var topic in topics)
        {
            var entries = await connection.RunAsync(database => database.StreamRangeAsync(
                keys.Topic(topic), "-", end.ToString(), options.HistoryPerTopic, Order.Descending)).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (entry[RedisEntry.CustomId] == lastEventId)
                {
                    return RedisEntry.ParseId(entry.Id);
                }
            }
        }

        return null;
    }

    private async Task<bool> IssuedAsync(MessageId id)
    {
        var newest = await connection.RunAsync(database => database.StreamRangeAsync(keys.Delivery, "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        return newest.Length > 0 && !id.IsAfter(RedisEntry.ParseId(newest[0].Id));
    }

    /// <summary>
    /// True when the topic lost an entry the client never saw: the one before <paramref name="next"/> (the
    /// first held after <paramref name="lastSeen"/>) is newer than <paramref name="lastSeen"/>, so trimming
    /// took it. An entry written before topic entries named their predecessor counts as a loss: it cannot tell.
    /// </summary>
    private static bool MissedBefore(StreamEntry next, MessageId lastSeen) =>
        !MessageId.TryParse(next[RedisEntry.Previous].ToString(), out var previous) || previous.Value.IsAfter(lastSeen);
}
