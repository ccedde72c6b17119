using PushGateway.Observability.LiveStats;

namespace PushGateway.Tests.Observability.LiveStats;

public sealed class LiveStatsStoreTests
{
    private readonly LiveStatsStore _store = new("self", capacity: 3);

    [Fact]
    public void Read_SumsTheNodesSecondBySecond_UpToTheNewestSecondEveryNodeReported()
    {
        _store.Add("self", [Point(1000, ws: 1, published: 2, delivered: null, p99: 4, up: true), Point(2000, ws: 1, published: 1, delivered: null, p99: null, up: true)]);
        _store.Add("peer", [Point(1000, ws: 2, published: 3, delivered: 5, p99: 9, up: false)]);

        var stats = _store.Read(since: 0);

        Assert.Equal(["self", "peer"], stats.Nodes.Select(node => node.Node));
        var sum = Assert.Single(stats.Cluster.Points);
        Assert.Equal(1000, sum.T);
        Assert.Equal(3, sum.Connections["ws"]);
        Assert.Equal((5L, 5L), (sum.Published, sum.Delivered));
        Assert.Equal(9, sum.LatencyMs!.P99);
        Assert.False(sum.BackplaneUp);
        Assert.Equal(2, stats.Cluster.Nodes);
    }

    [Fact]
    public void Add_KeepsTheNewestCapacityPointsAndSkipsOnesAlreadyHeld()
    {
        _store.Add("self", [Point(1000), Point(2000)]);
        var added = _store.Add("self", [Point(2000), Point(3000), Point(4000)]);

        Assert.Equal(2, added);
        Assert.Equal([2000L, 3000, 4000], _store.Read(since: 0).Nodes[0].Points.Select(point => point.T));
        Assert.Equal([4000L], _store.Read(since: 3000).Nodes[0].Points.Select(point => point.T));
    }

    [Fact]
    public void Remove_ForgetsAPeerButNeverThisNode()
    {
        _store.Add("self", [Point(1000)]);
        _store.Add("peer", [Point(1000)]);

        _store.Remove("peer");
        _store.Remove("self");

        Assert.Equal(["self"], _store.Read(since: 0).Nodes.Select(node => node.Node));
        Assert.Empty(_store.Peers());
    }

    private static LiveStatsPoint Point(long t, long ws = 0, long? published = 0, long? delivered = 0, double? p99 = null, bool? up = null) =>
        new(t, new Dictionary<string, long> { ["ws"] = ws }, published, delivered, 0, p99 is { } v ? new LatencyPercentiles(v, v, v) : null, up);
}
