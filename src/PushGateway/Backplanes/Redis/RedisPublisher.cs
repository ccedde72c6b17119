using PushGateway.Hub;
using PushGateway.Publishing;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Publishing: one script appends the message to the delivery stream and to each of its topics' streams
/// under one Redis id (atomically: in all of them or in none), checks and remembers its idempotency key in the
/// same step, and rings the doorbell. Also the claims of cluster-wide jobs, which are one <c>SET NX</c> each.
/// </summary>
internal sealed class RedisPublisher(RedisConnection connection, RedisKeys keys, RedisOptions options, PublishOptions publishing)
{
    public async ValueTask<PublishResult> PublishAsync(MessageDraft draft)
    {
        var keyed = KeyedPublish.For(draft);
        RedisKey[] scriptKeys =
        [
            keys.Delivery, keys.Epoch, .. draft.Topics.Select(keys.Topic),
            .. draft.EventId is null ? [] : new[] { keys.Published(draft) },
            .. keyed is null ? [] : new[] { keys.Idempotency(keyed.Key) },
        ];
        RedisValue[] values =
        [
            options.DeliveryStreamLength, options.HistoryPerTopic, keys.Doorbell.ToString(), draft.Topics.Count,
            (long)options.DeduplicationWindow.TotalSeconds, .. RedisEntry.Fields(draft),
            (long)publishing.IdempotencyWindow.TotalMilliseconds, keyed?.Fingerprint ?? string.Empty,
        ];
        var answer = (RedisResult[])(await connection.RunAsync(database => database.ScriptEvaluateAsync(RedisScripts.Publish, scriptKeys, values), writes: true).ConfigureAwait(false))!;
        var outcome = (string?)answer[1] switch
        {
            "published" => PublishOutcome.Published,
            "replayed" => PublishOutcome.Replayed,
            _ => PublishOutcome.KeyReused,
        };
        return new PublishResult(RedisEntry.PositionOf((string?)answer[0]), outcome);
    }

    public async ValueTask<bool> TryClaimAsync(string name, TimeSpan hold) =>
        await connection.RunAsync(database => database.StringSetAsync(keys.Claim(name), connection.NodeId, hold, When.NotExists)).ConfigureAwait(false);
}
