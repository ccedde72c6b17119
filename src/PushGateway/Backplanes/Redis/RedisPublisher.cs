using PushGateway.Hub;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Publishing: one script appends the message to the delivery stream and to each of its topics' streams
/// under one Redis id (atomically: in all of them or in none) and rings the doorbell. Also the claims of
/// cluster-wide jobs, which are one <c>SET NX</c> each.
/// </summary>
internal sealed class RedisPublisher(RedisConnection connection, RedisKeys keys, RedisOptions options)
{
    public async ValueTask<MessagePosition> PublishAsync(MessageDraft draft)
    {
        RedisKey[] scriptKeys = draft.EventId is null
            ? [keys.Delivery, keys.Epoch, .. draft.Topics.Select(keys.Topic)]
            : [keys.Delivery, keys.Epoch, .. draft.Topics.Select(keys.Topic), keys.Published(draft)];
        RedisValue[] values =
        [
            options.DeliveryStreamLength, options.HistoryPerTopic, keys.Doorbell.ToString(), draft.Topics.Count,
            (long)options.DeduplicationWindow.TotalSeconds, .. RedisEntry.Fields(draft),
        ];
        var entryId = await connection.RunAsync(database => database.ScriptEvaluateAsync(RedisScripts.Publish, scriptKeys, values), writes: true).ConfigureAwait(false);
        return RedisEntry.PositionOf((string?)entryId);
    }

    public async ValueTask<bool> TryClaimAsync(string name, TimeSpan hold) =>
        await connection.RunAsync(database => database.StringSetAsync(keys.Claim(name), connection.NodeId, hold, When.NotExists)).ConfigureAwait(false);
}
