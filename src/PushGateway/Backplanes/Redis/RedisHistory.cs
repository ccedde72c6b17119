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
    public async ValueTask<HistoryPage> ReadAsync(string lastEventId, MessagePosition? upTo, IReadOnlySet<string> topics)
    {
        // Nothing delivered to this node yet: the subscriber joined where the node started tailing.
        var end = upTo ?? tail.AttachedAt ?? throw new BackplaneUnavailableException("Not attached to the delivery stream yet.");
        var lastSeen = await ResolveAsync(lastEventId, topics, end).ConfigureAwait(false);
        var messages = new SortedDictionary<MessagePosition, GatewayMessage>(MessagePosition.Order);
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
                var position = RedisEntry.PositionOf(entry.Id);
                if (!position.IsAfter(end))
                {
                    messages.TryAdd(position, RedisEntry.ToMessage(entry));
                }
            }
        }

        return new HistoryPage([.. messages.Values], complete ? ResumeStatus.Complete : ResumeStatus.Gap);
    }

    /// <summary>Where the client stands: its id if it is a position in this dataset, the position of a publisher's own id, or null (unknown).</summary>
    private async Task<MessagePosition?> ResolveAsync(string lastEventId, IReadOnlySet<string> topics, MessagePosition end)
    {
        if (MessagePosition.TryParse(lastEventId, out var position))
        {
            var epoch = await connection.RunAsync(database => database.StringGetAsync(keys.Epoch)).ConfigureAwait(false);
            // An id from before this dataset began (Redis restarted without persistence) cannot be placed.
            if (!epoch.IsNull && position.Value.Epoch < (long)epoch)
            {
                return null;
            }

            // Ahead of this node is fine (it may lag the node the client came from); ahead of Redis, the
            // id was never issued and cannot be placed either.
            return position.Value.IsAfter(end) && !await IssuedAsync(position.Value).ConfigureAwait(false) ? null : position;
        }

        foreach (var topic in topics)
        {
            var entries = await connection.RunAsync(database => database.StreamRangeAsync(
                keys.Topic(topic), "-", end.ToString(), options.HistoryPerTopic, Order.Descending)).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (entry[RedisEntry.EventId] == lastEventId)
                {
                    return RedisEntry.PositionOf(entry.Id);
                }
            }
        }

        return null;
    }

    private async Task<bool> IssuedAsync(MessagePosition position)
    {
        var newest = await connection.RunAsync(database => database.StreamRangeAsync(keys.Delivery, "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        return newest.Length > 0 && !position.IsAfter(RedisEntry.PositionOf(newest[0].Id));
    }

    /// <summary>
    /// True when the topic lost an entry the client never saw: the one before <paramref name="next"/> (the
    /// first held after <paramref name="lastSeen"/>) is newer than <paramref name="lastSeen"/>, so trimming
    /// took it. An entry written before topic entries named their predecessor counts as a loss: it cannot tell.
    /// </summary>
    private static bool MissedBefore(StreamEntry next, MessagePosition lastSeen) =>
        !MessagePosition.TryParse(next[RedisEntry.Previous].ToString(), out var previous) || previous.Value.IsAfter(lastSeen);
}
