using System.Net;
using PushGateway.Tests.Infrastructure;
using StackExchange.Redis;
using static PushGateway.Tests.Publishing.IdempotentPublishTests;

namespace PushGateway.Tests.Backplanes;

/// <summary>Idempotent publish across two nodes on one real redis-server: the key is checked and stored in the publish script.</summary>
public sealed class RedisIdempotencyTests : IAsyncLifetime
{
    private RedisCluster _cluster = null!;

    public async ValueTask InitializeAsync() =>
        _cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Publish:IdempotencyWindow"] = "00:03:00" });

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Retry_OnTheOtherNode_AnswersTheSameIdReplayed_AndEachNodeDeliversOnce()
    {
        await using var onA = await SseTestClient.ConnectAsync(_cluster.NodeA, "sse?topic=orders");
        await using var onB = await SseTestClient.ConnectAsync(_cluster.NodeB, "sse?topic=orders");
        using var httpA = _cluster.NodeA.CreateHttpClient();
        using var httpB = _cluster.NodeB.CreateHttpClient();

        using var published = await PublishAsync(httpA, "json", "order-17", "shipped");
        using var retriedOnB = await PublishAsync(httpB, "header+form", "order-17", "shipped");
        using var retriedOnA = await PublishAsync(httpA, "form", "order-17", "shipped");
        using var marker = await PublishAsync(httpB, "json", key: null, "marker");

        var id = await IdOfAsync(published);
        Assert.False(published.Headers.Contains("Idempotent-Replayed"));
        foreach (var replay in new[] { retriedOnB, retriedOnA })
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
            Assert.Equal(id, await IdOfAsync(replay));
        }

        var markerId = await IdOfAsync(marker);
        foreach (var sse in new[] { onA, onB })
        {
            var first = await sse.NextAsync();
            Assert.Equal(("shipped", id), (first.Data, first.EventId));
            var next = await sse.NextAsync();
            Assert.Equal(("marker", markerId), (next.Data, next.EventId));
        }
    }

    [Fact]
    public async Task Retry_OnTheOtherNodeWithAnotherRequest_Answers422_AndPublishesNothing()
    {
        await using var onB = await SseTestClient.ConnectAsync(_cluster.NodeB, "sse?topic=orders");
        using var httpA = _cluster.NodeA.CreateHttpClient();
        using var httpB = _cluster.NodeB.CreateHttpClient();

        using var published = await PublishAsync(httpA, "json", "order-17", "shipped");
        using var reused = await PublishAsync(httpB, "json", "order-17", "cancelled");
        using var marker = await PublishAsync(httpB, "json", key: null, "marker");

        await ProblemAssert.IsProblemAsync(
            reused, HttpStatusCode.UnprocessableEntity, "Idempotency-Key reused with a different request", "https://pushgateway.dev/problems/idempotency-key-reused");
        Assert.Equal(["shipped", "marker"], [(await onB.NextAsync()).Data, (await onB.NextAsync()).Data]);
    }

    [Fact]
    public async Task ConcurrentPublishes_WithOneKeyOnBothNodes_StoreOneMessage()
    {
        await using var onA = await SseTestClient.ConnectAsync(_cluster.NodeA, "sse?topic=orders");
        using var httpA = _cluster.NodeA.CreateHttpClient();
        using var httpB = _cluster.NodeB.CreateHttpClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => PublishAsync(i % 2 == 0 ? httpA : httpB, "json", "burst", "once")));
        using var marker = await PublishAsync(httpB, "json", key: null, "marker");

        var ids = new HashSet<string?>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ids.Add(await IdOfAsync(response));
            }
        }

        Assert.Single(responses, response => !response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await onA.NextAsync()).EventId, Assert.Single(ids));
        Assert.Equal("marker", (await onA.NextAsync()).Data);
    }

    [Fact]
    public async Task Key_IsKeptInRedisForTheWindow_UnderAHashOfItsScope()
    {
        using var http = _cluster.NodeA.CreateHttpClient();

        using var published = await PublishAsync(http, "json", "order-17", "shipped");

        await using var raw = await ConnectionMultiplexer.ConnectAsync(_cluster.Redis.Configuration);
        var key = (string)Assert.Single(raw.GetServers()[0].Keys(pattern: "pushgateway:idempotency:*"))!;
        Assert.Matches("^pushgateway:idempotency:[0-9a-f]{64}$", key);
        var ttl = (long)await raw.GetDatabase().ExecuteAsync("PTTL", key);
        Assert.InRange(ttl, (long)TimeSpan.FromMinutes(3).TotalMilliseconds - 10_000, (long)TimeSpan.FromMinutes(3).TotalMilliseconds);
    }

    [Fact]
    public async Task Publish_WhenRedisStallsPastTheTimeout_Answers504_AndARetryWithTheSameKeyIsReplayedNotDeliveredAgain()
    {
        // A node whose Redis client gives up after a second, against a server stopped for longer than that.
        await using var impatient = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Redis:Configuration"] = _cluster.Redis.Configuration + ",syncTimeout=1000,asyncTimeout=1000",
        });
        await using var subscriber = await SseTestClient.ConnectAsync(_cluster.NodeB, "sse?topic=orders");
        using var http = impatient.CreateHttpClient();

        HttpResponseMessage stalled;
        using (_cluster.Redis.Freeze())
        {
            stalled = await PublishAsync(http, "header+json", "order-17", "shipped");
        }

        using (stalled)
        {
            await ProblemAssert.IsProblemAsync(
                stalled, HttpStatusCode.GatewayTimeout, "Publish outcome unknown", "https://pushgateway.dev/problems/publish-outcome-unknown");
        }

        // Redis ran it when it went on: delivered once.
        var delivered = await subscriber.NextAsync();
        Assert.Equal("shipped", delivered.Data);

        // The publisher retries with the same key, as told (and again on a 503, which is safe).
        HttpResponseMessage? retried = null;
        await Eventually.ReachAsync(
            async () =>
            {
                retried?.Dispose();
                retried = await PublishAsync(http, "header+json", "order-17", "shipped");
                return retried.StatusCode != HttpStatusCode.ServiceUnavailable;
            },
            "the retry answered");
        using (retried)
        {
            Assert.Equal(HttpStatusCode.OK, retried!.StatusCode);
            Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(delivered.EventId, await IdOfAsync(retried));
        }

        using var marker = await PublishAsync(http, "json", key: null, "marker");
        Assert.Equal("marker", (await subscriber.NextAsync()).Data);
    }
}
