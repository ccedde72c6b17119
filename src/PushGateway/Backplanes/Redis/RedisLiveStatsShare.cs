using System.Text.Json;
using Microsoft.Extensions.Options;
using PushGateway.Observability.LiveStats;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Shares the live-stats points with the other nodes, on the backplane's connection: each second a
/// node appends its new points to its own list in Redis (trimmed to the window, expiring after
/// <see cref="Expiry"/> unless refreshed) and reads the others' newest, so that any node's dashboard
/// shows every node and their sum. A node that stops reporting drops out once its list expires.
/// While Redis is away each node shows itself only; its points of that time are not shared.
/// </summary>
internal sealed partial class RedisLiveStatsShare(
    IOptions<RedisOptions> options,
    IOptions<LiveStatsOptions> statsOptions,
    IServiceProvider services,
    LiveStatsService stats,
    LiveStatsStore store,
    ILogger<RedisLiveStatsShare> logger) : BackgroundService
{
    /// <summary>How long a node's points outlive its last report.</summary>
    internal static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);

    // Read from a node already held: enough to bridge a few missed seconds (duplicates are skipped).
    private const int RecentPoints = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var connection = services.GetRequiredService<RedisConnection>();
        var keys = new RedisKeys(options.Value.KeyPrefix);
        var pending = new List<LiveStatsPoint>();
        try
        {
            while (await stats.Taken.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (stats.Taken.TryRead(out var point))
                {
                    pending.Add(point);
                }

                if (connection.Multiplexer is not { IsConnected: true } redis)
                {
                    pending.Clear();
                    continue;
                }

                try
                {
                    var database = redis.GetDatabase();
                    await WriteAsync(database, keys, pending).ConfigureAwait(false);
                    await ReadPeersAsync(database, keys).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
                {
                    // The backplane reports outages; this only skips a second of sharing. (A timeout, Redis frozen or
                    // slow, is no RedisException: uncaught, it ended this service and stopped the host.)
                    LogShareFailed(exception.Message);
                }

                pending.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown: the list expires by itself.
        }
    }

    private async Task WriteAsync(IDatabase database, RedisKeys keys, List<LiveStatsPoint> points)
    {
        var own = keys.Stats(store.SelfNode);
        var transaction = database.CreateTransaction();
        _ = transaction.ListRightPushAsync(own, [.. points.Select(point => (RedisValue)JsonSerializer.Serialize(point, LiveStatsJsonContext.Default.LiveStatsPoint))]);
        _ = transaction.ListTrimAsync(own, -statsOptions.Value.Capacity, -1);
        _ = transaction.KeyExpireAsync(own, Expiry);
        _ = transaction.SetAddAsync(keys.StatsNodes, store.SelfNode);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private async Task ReadPeersAsync(IDatabase database, RedisKeys keys)
    {
        var members = (await database.SetMembersAsync(keys.StatsNodes).ConfigureAwait(false)).Select(member => member.ToString()).ToHashSet(StringComparer.Ordinal);
        members.Remove(store.SelfNode);
        var batch = database.CreateBatch();
        var reads = members.Select(node => (Node: node, Points: batch.ListRangeAsync(keys.Stats(node), store.Newest(node) is null ? 0 : -RecentPoints, -1))).ToList();
        batch.Execute();
        foreach (var (node, read) in reads)
        {
            var values = await read.ConfigureAwait(false);
            if (values.Length == 0)
            {
                members.Remove(node);
                await database.SetRemoveAsync(keys.StatsNodes, node).ConfigureAwait(false);
                continue;
            }

            store.Add(node, values.Select(Parse).OfType<LiveStatsPoint>());
        }

        foreach (var gone in store.Peers().Where(node => !members.Contains(node)))
        {
            store.Remove(gone);
        }
    }

    private LiveStatsPoint? Parse(RedisValue value)
    {
        try
        {
            var point = JsonSerializer.Deserialize((string)value!, LiveStatsJsonContext.Default.LiveStatsPoint);
            if (point?.Connections is not null)
            {
                return point;
            }
        }
        catch (JsonException exception)
        {
            LogUnreadablePoint(exception.Message);
            return null;
        }

        LogUnreadablePoint("no connections");
        return null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Live stats not shared this second: {Reason}")]
    private partial void LogShareFailed(string reason);

    // Debug: the same entry is read again every second until it expires.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a live-stats point from Redis that is not one: {Reason}")]
    private partial void LogUnreadablePoint(string reason);
}
