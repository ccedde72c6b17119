using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;
using Serilog.Events;

namespace PushGateway.Tests.Backplanes;

/// <summary>
/// Redis away from one node or from all: the outage in the log, and a node's delivery catching up on
/// what the others published while it was cut off. (Publishes and chat during an outage, and the
/// restart, are in <see cref="RedisBackplaneTests"/>.)
/// </summary>
public sealed class RedisOutageTests
{
    private static readonly Dictionary<string, string?> Quiet = new()
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        // The presence loop retries every interval during an outage: short, so that it retries many times.
        ["PushGateway:Redis:PresenceInterval"] = "00:00:00.100",
        ["Serilog:MinimumLevel:Override:PushGateway.Backplanes"] = "Information",
    };

    [Fact]
    public async Task Outage_IsLoggedOnceAsAWarning_NotPerRequestOrRetry_AndOncePerOutage()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = new GatewayFactory(With(Quiet, redis.Configuration));
        using var http = node.CreateHttpClient();
        await node.Hub.PublishAsync("news", "update", "up", TestTimeout.Token());

        await redis.StopAsync();
        await node.Logs.WaitForAsync(IsBackplaneWarning);
        for (var i = 0; i < 3; i++)
        {
            using var refused = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "lost")]), TestTimeout.Token());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        // Nothing announces a retry that logs nothing: give the delivery loop (every second) and the presence
        // loop (every 100 ms) time to retry a few times, then look.
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        var firstOutage = node.Logs.Events.Count(IsBackplaneWarning);

        await redis.StartAgainAsync();
        var mark = node.Logs.Count;
        await node.Logs.WaitForAsync(mark, e => IsFromBackplane(e) && e.Level == LogEventLevel.Information && e.RenderMessage().Contains("available again", StringComparison.Ordinal));
        await redis.StopAsync();
        await node.Logs.WaitForAsync(IsBackplaneWarning, count: 2);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

        Assert.Equal(1, firstOutage);
        Assert.Equal(2, node.Logs.Events.Count(IsBackplaneWarning));
        Assert.Contains("Redis backplane unavailable", node.Logs.Events.First(IsBackplaneWarning).RenderMessage(), StringComparison.Ordinal);
        node.Logs.AssertNoErrorsSince(0);
    }

    [Fact]
    public async Task Delivery_OfANodeCutOffFromRedis_CatchesUpOnTheBacklogInOrderOnce_AndItsStreamsStayOpen()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var relay = new TcpRelay(redis.Port);
        await using var nodeA = new GatewayFactory(With(Quiet, redis.Configuration));
        await using var nodeB = new GatewayFactory(With(Quiet, $"127.0.0.1:{relay.Port}"));
        await using var onB = await SseTestClient.ConnectAsync(nodeB, "sse?topic=orders");
        using var httpB = nodeB.CreateHttpClient();
        await nodeA.Hub.PublishAsync("orders", "update", "before", TestTimeout.Token());
        Assert.Equal("before", (await onB.NextAsync()).Data);

        relay.Cut();
        await Eventually.ReachAsync(async () => (await httpB.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.ServiceUnavailable, "node B cut off");
        // More than one read batch (512) of messages, fewer than a subscriber queue (1024).
        var backlog = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            backlog.Add((await nodeA.Hub.PublishAsync("orders", "update", $"m{i}", TestTimeout.Token())).Position.ToString());
        }

        relay.Restore();
        var caughtUp = new List<string>();
        for (var i = 0; i < backlog.Count; i++)
        {
            caughtUp.Add((await onB.NextAsync()).EventId!);
        }

        await nodeA.Hub.PublishAsync("orders", "update", "after", TestTimeout.Token());

        Assert.Equal(backlog, caughtUp);
        Assert.Equal("after", (await onB.NextAsync()).Data);
        Assert.Equal(HttpStatusCode.OK, (await httpB.GetAsync("readyz", TestTimeout.Token())).StatusCode);
    }

    [Fact]
    public async Task LiveStatsSharing_WhenRedisStallsPastTheTimeout_SkipsThatSecond_AndTheNodeKeepsRunning()
    {
        // The share's write times out (RedisTimeoutException, which is no RedisException): it used to end the background
        // service, and with it the host, so that a Redis frozen for longer than the timeout stopped every node at once.
        await using var redis = await RedisServer.StartAsync();
        await using var node = new GatewayFactory(new Dictionary<string, string?>(With(Quiet, redis.Configuration + ",syncTimeout=500,asyncTimeout=500"))
        {
            ["Serilog:MinimumLevel:Override:PushGateway.Backplanes.Redis.RedisLiveStatsShare"] = "Debug",
        });
        await using var subscriber = await SseTestClient.ConnectAsync(node, "sse?topic=news");
        var stopping = node.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var mark = node.Logs.Count;

        Task outcome;
        using (redis.Freeze())
        {
            // A second sampled: the share writes it to the frozen Redis, and gives up after 500 ms.
            node.Time.Advance(TimeSpan.FromSeconds(1));
            var skipped = node.Logs.WaitForAsync(mark, e => e.RenderMessage().Contains("Live stats not shared this second", StringComparison.Ordinal));
            outcome = await Task.WhenAny(skipped, Task.Delay(Timeout.Infinite, stopping));
        }

        Assert.False(stopping.IsCancellationRequested, "the node began to stop");
        await outcome;
        // The client library may drop and reopen its connection after the stall: publishes are refused until then.
        await Eventually.ReachAsync(() => PublishesAsync(node, "news", "after"), "a publish stored after the stall");
        Assert.Equal("after", (await subscriber.NextAsync()).Data);
        node.Logs.AssertNoErrorsSince(0);
    }

    private static async Task<bool> PublishesAsync(GatewayFactory node, string topic, string data)
    {
        try
        {
            await node.Hub.PublishAsync(topic, "update", data, TestTimeout.Token());
            return true;
        }
        catch (BackplaneUnavailableException)
        {
            return false;
        }
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> settings, string redis) =>
        new(settings) { ["PushGateway:Redis:Configuration"] = redis };

    private static bool IsFromBackplane(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: string name } && name.StartsWith("PushGateway.Backplanes", StringComparison.Ordinal);

    private static bool IsBackplaneWarning(LogEvent logEvent) => IsFromBackplane(logEvent) && logEvent.Level == LogEventLevel.Warning;
}
