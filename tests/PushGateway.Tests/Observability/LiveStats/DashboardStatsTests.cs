using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability.LiveStats;

/// <summary><c>GET /dashboard/stats</c> on one node, driven by the fake clock.</summary>
public sealed class DashboardStatsTests : IDisposable
{
    // No ticks: every message counted is one a test sent.
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        // The one line per closed connection, the sign that it is no longer counted.
        ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Stats_WhileMessagesFlow_GiveEachSecondsConnectionsAndMessages()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);
        using var ws = await WebSocketTestClient.ConnectAsync(_gateway);
        // The echo proves the socket is counted; it is the first message published.
        await ws.SendTextAsync("hello");
        Assert.Equal("hello", await ws.ReceiveTextAsync());
        using var http = _gateway.CreateHttpClient();
        await PublishAsync(http, 2);

        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var first = await GetAsync(http, "dashboard/stats");
        await PublishAsync(http, 4);
        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await GetAsync(http, "dashboard/stats");

        var node = first.GetProperty("node").GetString();
        var nodes = second.GetProperty("nodes");
        Assert.Equal(node, Assert.Single(nodes.EnumerateArray()).GetProperty("node").GetString());
        var points = nodes[0].GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(2, points.Count);
        Assert.Equal(Second(1), points[0].GetProperty("t").GetInt64());
        Assert.Equal(Second(2), points[1].GetProperty("t").GetInt64());
        Assert.Equal(3, points[0].GetProperty("published").GetInt64());
        Assert.Equal(4, points[1].GetProperty("published").GetInt64());
        Assert.All(points, point =>
        {
            Assert.Equal(1, point.GetProperty("connections").GetProperty("ws").GetInt64());
            Assert.Equal(1, point.GetProperty("connections").GetProperty("sse").GetInt64());
            Assert.Equal(0, point.GetProperty("dropped").GetInt64());
        });
        Assert.Equal(300_000, second.GetProperty("windowMs").GetInt64());
        var cluster = second.GetProperty("cluster");
        Assert.Equal(1, cluster.GetProperty("nodes").GetInt32());
        Assert.Equal([3, 4], cluster.GetProperty("points").EnumerateArray().Select(point => point.GetProperty("published").GetInt64()));
    }

    [Fact]
    public async Task Stats_AfterAClientLeaves_CountItGone()
    {
        using var http = _gateway.CreateHttpClient();
        await using (await SseTestClient.ConnectAsync(_gateway))
        {
            _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // The stream's close line: the gateway has stopped counting it; the next second's point shows that.
        await _gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason"));
        _gateway.Time.Advance(TimeSpan.FromSeconds(1));

        var points = (await GetAsync(http, "dashboard/stats")).GetProperty("nodes")[0].GetProperty("points");
        Assert.Equal([1, 0], points.EnumerateArray().Select(point => point.GetProperty("connections").GetProperty("sse").GetInt64()));
    }

    [Fact]
    public async Task Stats_Since_GivesOnlyLaterPoints()
    {
        using var http = _gateway.CreateHttpClient();
        for (var second = 1; second <= 3; second++)
        {
            _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var later = await GetAsync(http, $"dashboard/stats?since={Second(2)}");

        var t = Assert.Single(later.GetProperty("nodes")[0].GetProperty("points").EnumerateArray()).GetProperty("t").GetInt64();
        Assert.Equal(Second(3), t);
        Assert.Equal(Second(3), Assert.Single(later.GetProperty("cluster").GetProperty("points").EnumerateArray()).GetProperty("t").GetInt64());
    }

    [Theory]
    [InlineData("dashboard/stats?since=abc")]
    [InlineData("dashboard/stats?since=-5")]
    [InlineData("dashboard/stats?since=99999999999999999999999")]
    [InlineData("dashboard/stats?since=1&since=2")]
    public async Task Stats_BadSince_Returns400NamingIt(string path)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "since");
    }

    private static long Second(int n) => GatewayFactory.DefaultStart.AddSeconds(n).ToUnixTimeMilliseconds();

    private static async Task PublishAsync(HttpClient http, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "chat"), new("data", $"m{i}")]), TestTimeout.Token());
            response.EnsureSuccessStatusCode();
        }
    }

    private static Task<JsonElement> GetAsync(HttpClient http, string path) => http.GetFromJsonAsync<JsonElement>(path, TestTimeout.Token());
}
