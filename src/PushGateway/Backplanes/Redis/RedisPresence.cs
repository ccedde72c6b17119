using PushGateway.Hub;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Cluster-wide presence: each node writes its subscriber counts to its own hash every
/// <see cref="RedisOptions.PresenceInterval"/>, expiring after three intervals unless refreshed, so that
/// a node that dies (or can no longer reach Redis) drops out; a count sums this node's own and the others'.
/// </summary>
internal sealed class RedisPresence(RedisConnection connection, RedisKeys keys, RedisOptions options)
{
    public async Task ReportAsync(IDeliveryTarget target, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.PresenceInterval);
        var key = keys.Node(connection.NodeId);
        do
        {
            try
            {
                var counts = target.SubscriberCounts();
                var transaction = connection.Database.CreateTransaction();
                _ = transaction.KeyDeleteAsync(key);
                if (counts.Count > 0)
                {
                    _ = transaction.HashSetAsync(key, [.. counts.Select(pair => new HashEntry(pair.Key, pair.Value))]);
                    _ = transaction.KeyExpireAsync(key, options.PresenceInterval * 3);
                }

                await transaction.ExecuteAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (RedisConnection.IsFailure(exception))
            {
                connection.MarkDown(exception);
            }
        }
        while (await WaitAsync(timer, stopping).ConfigureAwait(false));
    }

    public async ValueTask<TopicPresence> GetAsync(string topic, int localSubscribers, CancellationToken cancellationToken)
    {
        connection.ThrowIfMisconfigured();
        var others = 0L;
        var server = connection.Multiplexer?.GetServers().FirstOrDefault(s => s.IsConnected) ?? throw new BackplaneUnavailableException("Not connected to Redis.");
        var own = keys.Node(connection.NodeId).ToString();
        await foreach (var node in server.KeysAsync(pattern: keys.NodePattern).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (node.ToString() != own)
            {
                var count = await connection.RunAsync(database => database.HashGetAsync(node, topic)).ConfigureAwait(false);
                others += count.IsNull ? 0 : (long)count;
            }
        }

        var newest = await connection.RunAsync(database => database.StreamRangeAsync(keys.Topic(topic), "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        var lastEventId = newest.Length == 0 ? null : RedisEntry.ToMessage(newest[0]).EventId;
        return new TopicPresence((int)Math.Min(int.MaxValue, localSubscribers + others), lastEventId);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
