using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;
using Serilog.Events;
using StackExchange.Redis;

namespace PushGateway.Tests.Backplanes;

/// <summary>
/// The <c>PushGateway:Redis</c> and <c>Ticker:Scope</c> settings, as Redis itself and the clients of
/// two nodes on one real redis-server see them.
/// </summary>
public sealed class RedisSettingsTests
{
    private static readonly Dictionary<string, string?> NoTicker = new() { ["PushGateway:Ticker:Enabled"] = "false" };

    [Fact]
    public async Task TickerScopeCluster_TicksOnceASecondAcrossTheNodes_WithIds()
    {
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Scope"] = "Cluster",
            ["Serilog:MinimumLevel:Override:PushGateway.Publishing"] = "Debug",
        });
        var (nodeA, nodeB) = (cluster.NodeA, cluster.NodeB);
        await using var onA = await SseTestClient.ConnectAsync(nodeA, "sse?topic=ticker");
        await using var onB = await SseTestClient.ConnectAsync(nodeB, "sse?topic=ticker");

        for (var second = 1; second <= 3; second++)
        {
            var (markA, markB) = (nodeA.Logs.Count, nodeB.Logs.Count);
            nodeA.Time.Advance(TimeSpan.FromSeconds(1));
            nodeB.Time.Advance(TimeSpan.FromSeconds(1));
            // Both nodes' timers fired: one node published the tick, the other left this second to it.
            await await Task.WhenAny(
                nodeA.Logs.WaitForAsync(markA, IsTickLeftToAnotherNode),
                nodeB.Logs.WaitForAsync(markB, IsTickLeftToAnotherNode));

            var time = GatewayFactory.DefaultStart.AddSeconds(second).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var (tickA, tickB) = (await onA.NextAsync(), await onB.NextAsync());
            Assert.Contains(time, tickA.Data, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(tickA.EventId), "a cluster tick has an id");
            Assert.Equal((tickA.EventId, tickA.Data), (tickB.EventId, tickB.Data));
        }

        // Nothing else was ticked: the next message on either node is this one.
        await nodeA.Hub.PublishAsync("ticker", "message", "marker", TestTimeout.Token());
        Assert.Equal("marker", (await onA.NextAsync()).Data);
        Assert.Equal("marker", (await onB.NextAsync()).Data);
    }

    [Fact]
    public async Task Presence_OfANodeThatStopsReporting_DropsOutOfTheCountsWhenItsReportExpires()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var relay = new TcpRelay(redis.Port);
        var settings = new Dictionary<string, string?>(NoTicker) { ["PushGateway:Redis:PresenceInterval"] = "00:00:00.500" };
        await using var nodeA = new GatewayFactory(new Dictionary<string, string?>(settings) { ["PushGateway:Redis:Configuration"] = redis.Configuration });
        await using var nodeB = new GatewayFactory(new Dictionary<string, string?>(settings) { ["PushGateway:Redis:Configuration"] = $"127.0.0.1:{relay.Port}" });
        await using var onA = await SseTestClient.ConnectAsync(nodeA, "sse?topic=rooms/7");
        await using var onB = await SseTestClient.ConnectAsync(nodeB, "sse?topic=rooms/7");
        using var http = nodeA.CreateHttpClient();
        await using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        RedisKey[] reports = [];
        await Eventually.ReachAsync(
            async () =>
            {
                reports = [.. raw.GetServers()[0].Keys(pattern: "pushgateway:node:*")];
                return reports.Length == 2 && await SubscribersAsync(http) == 2;
            },
            "both nodes reported and counted");
        foreach (var report in reports)
        {
            // Each report expires three presence intervals after it was written, unless refreshed.
            var ttl = await raw.GetDatabase().KeyTimeToLiveAsync(report);
            Assert.InRange(ttl ?? TimeSpan.MaxValue, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1500));
        }

        // Node B goes on serving its subscriber, but no longer reaches Redis: to the cluster, it is dead.
        relay.Cut();

        await Eventually.ReachAsync(async () => await SubscribersAsync(http) == 1, "node B's subscriber dropped from the count");
        Assert.Single(raw.GetServers()[0].Keys(pattern: "pushgateway:node:*"));
    }

    [Fact]
    public async Task DeliveryStream_IsTrimmedToAboutDeliveryStreamLength_WhileTopicHistoryKeepsItsOwnLength()
    {
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?>(NoTicker)
        {
            ["PushGateway:Redis:DeliveryStreamLength"] = "100",
        });
        for (var i = 0; i < 450; i++)
        {
            await cluster.NodeA.Hub.PublishAsync("orders", "update", $"m{i}", TestTimeout.Token());
        }

        await using var raw = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.Configuration);
        var database = raw.GetDatabase();

        // Redis trims whole nodes of 100 entries ("MAXLEN ~"): at least the length asked for, less than a node more.
        Assert.InRange((long)await database.ExecuteAsync("XLEN", "pushgateway:delivery"), 100, 199);
        Assert.Equal(450L, (long)await database.ExecuteAsync("XLEN", "pushgateway:topic:orders"));
    }

    [Fact]
    public async Task KeyPrefix_HoldsEveryKeyAndChannel_AndGatewaysWithDifferentPrefixesDoNotSeeEachOther()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gatewayA = new GatewayFactory(new Dictionary<string, string?>(NoTicker)
        {
            ["PushGateway:Redis:Configuration"] = redis.Configuration,
            ["PushGateway:Redis:KeyPrefix"] = "tenant-a:",
            ["PushGateway:Redis:PresenceInterval"] = "00:00:00.100",
        });
        await using var gatewayB = new GatewayFactory(new Dictionary<string, string?>(NoTicker)
        {
            ["PushGateway:Redis:Configuration"] = redis.Configuration,
            ["PushGateway:Redis:KeyPrefix"] = "tenant-b:",
            ["PushGateway:Redis:PresenceInterval"] = "00:00:00.100",
        });
        await using var onA = await SseTestClient.ConnectAsync(gatewayA, "sse?topic=news");
        await using var onB = await SseTestClient.ConnectAsync(gatewayB, "sse?topic=news");

        await gatewayA.Hub.PublishAsync(new MessageDraft(["news"], "update", "for a") { EventId = "a-1" }, TestTimeout.Token());
        Assert.Equal("for a", (await onA.NextAsync()).Data);
        var forB = (await gatewayB.Hub.PublishAsync("news", "update", "for b", TestTimeout.Token())).Position;

        var first = await onB.NextAsync();
        Assert.Equal(("for b", forB.ToString()), (first.Data, first.EventId));
        await using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = raw.GetServers()[0];
        string[] keys = [];
        await Eventually.ReachAsync(
            () =>
            {
                // Live stats are written once a second of each gateway's clock.
                gatewayA.Time.Advance(TimeSpan.FromSeconds(1));
                gatewayB.Time.Advance(TimeSpan.FromSeconds(1));
                keys = [.. server.Keys(pattern: "*").Select(key => key.ToString())];
                // Both gateways' delivery streams, topic streams, presence reports and live stats are in.
                return Task.FromResult(keys.Count(key => key.Contains(":node:", StringComparison.Ordinal)) == 2
                    && keys.Count(key => key.Contains(":stats:nodes", StringComparison.Ordinal)) == 2);
            },
            "both gateways' keys written");
        Assert.All(keys, key => Assert.True(key.StartsWith("tenant-a:", StringComparison.Ordinal) || key.StartsWith("tenant-b:", StringComparison.Ordinal), key));
        Assert.Contains("tenant-a:delivery", keys);
        Assert.Contains("tenant-b:topic:news", keys);
        // Besides the doorbells, only StackExchange.Redis's own channel for primary changes.
        var channels = ((RedisResult[])(await raw.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", "*"))!)
            .Select(channel => channel.ToString()).Where(channel => channel != "__Booksleeve_MasterChanged");
        Assert.Equal(["tenant-a:doorbell", "tenant-b:doorbell"], channels.Order());
        // Resume on B from A's id knows nothing of it: A's history is not B's.
        await using var resumed = await SseTestClient.ConnectAsync(gatewayB, "sse?topic=news", lastEventId: "a-1");
        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
    }

    private static bool IsTickLeftToAnotherNode(LogEvent logEvent) =>
        logEvent.Level == LogEventLevel.Debug && logEvent.RenderMessage().Contains("left to another node", StringComparison.Ordinal);

    private static async Task<int> SubscribersAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("topics/rooms/7", TestTimeout.Token())).GetProperty("subscribers").GetInt32();
}
