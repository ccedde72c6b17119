using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace PushGateway.Tests.Observability.LiveStats;

/// <summary><c>GET /dashboard/stats</c> on two nodes sharing a real redis-server: every node, and their sum.</summary>
public sealed class ClusterStatsTests : IAsyncLifetime
{
    private RedisCluster _cluster = null!;
    private RedisServer _redis = null!;
    private GatewayFactory _nodeA = null!;
    private GatewayFactory _nodeB = null!;

    public async ValueTask InitializeAsync()
    {
        // The same start on both clocks: their seconds line up, as real nodes' do.
        _cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        (_redis, _nodeA, _nodeB) = (_cluster.Redis, _cluster.NodeA, _cluster.NodeB);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Stats_OnEitherNode_ShowEveryNodeAndTheClusterSum()
    {
        await using var sseOnA = await SseTestClient.ConnectAsync(_nodeA);
        using var wsOnB = await WebSocketTestClient.ConnectAsync(_nodeB);
        using var fromA = _nodeA.CreateHttpClient();
        using var fromB = _nodeB.CreateHttpClient();
        // Published on B (counted before the answer, so before any second is sampled), delivered to both through Redis.
        using var published = await fromB.PostAsync("publish", new FormUrlEncodedContent([new("topic", "chat"), new("data", "hello")]), TestTimeout.Token());
        Assert.True(published.IsSuccessStatusCode);
        Assert.Equal("hello", (await sseOnA.NextAsync()).Data);
        var first = GatewayFactory.DefaultStart.AddSeconds(1).ToUnixTimeMilliseconds();

        // Each node reads the others' points when it takes its own: tick both until A has B's first second.
        JsonElement stats = default;
        await Eventually.ReachAsync(
            async () =>
            {
                _nodeA.Time.Advance(TimeSpan.FromSeconds(1));
                _nodeB.Time.Advance(TimeSpan.FromSeconds(1));
                stats = await fromA.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token());
                return stats.GetProperty("nodes").GetArrayLength() == 2 && PointAt(stats.GetProperty("nodes")[1], first) is not null;
            },
            "node A showing node B's first second");

        var nodeA = stats.GetProperty("nodes")[0];
        var nodeB = stats.GetProperty("nodes")[1];
        Assert.Equal(stats.GetProperty("node").GetString(), nodeA.GetProperty("node").GetString());
        Assert.NotEqual(nodeA.GetProperty("node").GetString(), nodeB.GetProperty("node").GetString());
        var a = PointAt(nodeA, first)!.Value;
        var b = PointAt(nodeB, first)!.Value;
        var sum = PointAt(stats.GetProperty("cluster"), first)!.Value;
        Assert.Equal(2, stats.GetProperty("cluster").GetProperty("nodes").GetInt32());
        Assert.Equal((1, 0), (Connections(a, "sse"), Connections(a, "ws")));
        Assert.Equal((0, 1), (Connections(b, "sse"), Connections(b, "ws")));
        Assert.Equal((1, 1), (Connections(sum, "sse"), Connections(sum, "ws")));
        Assert.True(a.GetProperty("published").GetInt64() + b.GetProperty("published").GetInt64() > 0);
        Assert.Equal(a.GetProperty("published").GetInt64() + b.GetProperty("published").GetInt64(), sum.GetProperty("published").GetInt64());

        // Node B sees the same two nodes, itself first.
        await Eventually.ReachAsync(
            async () =>
            {
                var fromNodeB = await fromB.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token());
                var nodes = fromNodeB.GetProperty("nodes");
                return nodes.GetArrayLength() == 2
                    && nodes[0].GetProperty("node").GetString() == nodeB.GetProperty("node").GetString()
                    && nodes[1].GetProperty("node").GetString() == nodeA.GetProperty("node").GetString();
            },
            "node B showing both nodes");
    }

    [Fact]
    public async Task Stats_ANodeThatStopsReporting_DropsOut()
    {
        using var fromA = _nodeA.CreateHttpClient();
        await Eventually.ReachAsync(
            async () =>
            {
                _nodeA.Time.Advance(TimeSpan.FromSeconds(1));
                _nodeB.Time.Advance(TimeSpan.FromSeconds(1));
                return (await fromA.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token())).GetProperty("nodes").GetArrayLength() == 2;
            },
            "node A showing node B");

        await _nodeB.DisposeAsync();

        // B's list expires in Redis a few seconds after its last report; A forgets it then.
        await Eventually.ReachAsync(
            async () =>
            {
                _nodeA.Time.Advance(TimeSpan.FromSeconds(1));
                return (await fromA.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token())).GetProperty("nodes").GetArrayLength() == 1;
            },
            "node A no longer showing node B");
    }

    [Fact]
    public async Task Stats_WithEntriesInRedisThatAreNotPoints_SkipThem()
    {
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration))
        {
            var database = redis.GetDatabase();
            await database.ListRightPushAsync("pushgateway:stats:intruder", ["not json", "{}", "null", "{\"t\":1,\"connections\":{\"ws\":7}}"]);
            await database.SetAddAsync("pushgateway:stats:nodes", "intruder");
        }

        using var fromA = _nodeA.CreateHttpClient();
        await Eventually.ReachAsync(
            async () =>
            {
                _nodeA.Time.Advance(TimeSpan.FromSeconds(1));
                var stats = await fromA.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token());
                return stats.GetProperty("nodes").EnumerateArray().Any(node => node.GetProperty("node").GetString() == "intruder");
            },
            "node A reading the intruder's list");

        var intruder = (await fromA.GetFromJsonAsync<JsonElement>("dashboard/stats", TestTimeout.Token()))
            .GetProperty("nodes").EnumerateArray().Single(node => node.GetProperty("node").GetString() == "intruder");
        Assert.Equal(7, Connections(Assert.Single(intruder.GetProperty("points").EnumerateArray()), "ws"));
        Assert.DoesNotContain(_nodeA.Logs.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error);
    }

    private static JsonElement? PointAt(JsonElement series, long t)
    {
        foreach (var point in series.GetProperty("points").EnumerateArray())
        {
            if (point.GetProperty("t").GetInt64() == t)
            {
                return point;
            }
        }

        return null;
    }

    private static long Connections(JsonElement point, string transport) =>
        point.GetProperty("connections").TryGetProperty(transport, out var count) ? count.GetInt64() : 0;
}
