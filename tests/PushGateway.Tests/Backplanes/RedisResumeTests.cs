using System.Net;
using System.Net.ServerSentEvents;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Backplanes;

/// <summary>
/// Resume through <c>/sse</c> on two nodes sharing a real redis-server: ids Redis cannot place, a
/// publisher's own id, and a resume while Redis is away. (Resume past trimmed history, and from ids
/// of another node or never issued, are in <see cref="RedisBackplaneTests"/>.)
/// </summary>
public sealed class RedisResumeTests : IAsyncLifetime
{
    private RedisCluster _cluster = null!;
    private GatewayFactory _nodeA = null!;
    private GatewayFactory _nodeB = null!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        (_nodeA, _nodeB) = (_cluster.NodeA, _cluster.NodeB);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Resume_FromAnIdOlderThanTheRedisDataset_AnswersGapAndReplaysEverythingHeld()
    {
        // Nothing was trimmed: only the id's age (before this dataset began) says it cannot be placed.
        string[] published =
        [
            (await _nodeA.Hub.PublishAsync("orders", "update", "m1", TestTimeout.Token())).Position.ToString(),
            (await _nodeB.Hub.PublishAsync("orders", "update", "m2", TestTimeout.Token())).Position.ToString(),
        ];

        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: "1000-0");
        var (gap, replay) = await ReadResumeAsync(resumed, "orders");

        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(("gap", """{"lastEventId":"1000-0"}"""), (gap?.EventType, gap?.Data));
        Assert.True(string.IsNullOrEmpty(gap?.EventId), "the gap event carries no id");
        Assert.Equal(published, replay);
    }

    [Fact]
    public async Task Resume_OnTheOtherNodeFromAPublishersOwnId_IsCompleteAndReplaysWhatFollowedIt()
    {
        string lastSeen;
        await using (var onA = await SseTestClient.ConnectAsync(_nodeA, "sse?topic=orders"))
        {
            await _nodeA.Hub.PublishAsync("orders", "update", "before", TestTimeout.Token());
            await _nodeB.Hub.PublishAsync(new MessageDraft(["orders"], "update", "shipped") { EventId = "order-17-shipped" }, TestTimeout.Token());
            Assert.Equal("before", (await onA.NextAsync()).Data);
            lastSeen = (await onA.NextAsync()).EventId!;
        }

        var missed = (await _nodeA.Hub.PublishAsync("orders", "update", "missed", TestTimeout.Token())).Position;
        await _nodeA.Hub.PublishAsync(new MessageDraft(["orders"], "update", "delivered") { EventId = "order-17-delivered" }, TestTimeout.Token());

        await using var onB = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: lastSeen);
        var (gap, replay) = await ReadResumeAsync(onB, "orders");

        Assert.Equal("order-17-shipped", lastSeen);
        Assert.Equal("complete", Assert.Single(onB.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Null(gap);
        Assert.Equal([missed.ToString(), "order-17-delivered"], replay);
    }

    [Fact]
    public async Task Resume_DuringARedisOutage_Answers503WithRetryAfterAndAProblem_WhileAPlainSubscribeIsServed()
    {
        var before = (await _nodeA.Hub.PublishAsync("news", "update", "before", TestTimeout.Token())).Position;
        using var http = _nodeB.CreateHttpClient();

        await _cluster.Redis.StopAsync();
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.ServiceUnavailable, "node B not ready");
        using var resume = new HttpRequestMessage(HttpMethod.Get, "sse?topic=news");
        resume.Headers.Add("Last-Event-ID", before.ToString());
        using var refused = await http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        await using var plain = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=news");

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "Backplane unavailable");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a Retry-After in seconds");
        Assert.False(plain.Response.Headers.Contains("PushGateway-Resume"));
        // A node's own messages (its ticks) still reach the plain subscriber during the outage: its stream is live.
        await _nodeB.Hub.PublishToThisNodeAsync(new MessageDraft(["news"], "update", "local"), TestTimeout.Token());
        Assert.Equal("local", (await plain.NextAsync()).Data);
    }

    private Task<(SseItem<string>? Gap, List<string> Replay)> ReadResumeAsync(SseTestClient resumed, string topic) =>
        ResumeReader.ReadAsync(resumed, _nodeA, topic);
}
