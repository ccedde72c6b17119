using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Backplanes;

/// <summary>Two gateway nodes on one real redis-server, as one gateway.</summary>
public sealed class RedisBackplaneTests : IAsyncLifetime
{
    private RedisCluster _cluster = null!;
    private RedisServer _redis = null!;
    private GatewayFactory _nodeA = null!;
    private GatewayFactory _nodeB = null!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(
            new Dictionary<string, string?>
            {
                ["PushGateway:Redis:PresenceInterval"] = "00:00:00.200",
                // Small, so that a test can publish past it quickly; Redis trims whole nodes of 100 entries.
                ["PushGateway:Redis:HistoryPerTopic"] = "10",
            },
            startB: GatewayFactory.DefaultStart.AddMinutes(1));
        (_redis, _nodeA, _nodeB) = (_cluster.Redis, _cluster.NodeA, _cluster.NodeB);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task WebSocketChat_OnOneNode_ReachesSocketsAndStreamsOfBothNodesOnce()
    {
        using var onA = await WebSocketTestClient.ConnectAsync(_nodeA, path: "ws?topic=room");
        using var onB = await WebSocketTestClient.ConnectAsync(_nodeB, path: "ws?topic=room");
        await using var sseOnB = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=room");

        await onA.SendTextAsync("from a");
        Assert.Equal("from a", await onA.ReceiveTextAsync());
        Assert.Equal("from a", await onB.ReceiveTextAsync());
        await onB.SendTextAsync("from b");

        // Exactly once: after "from a", the next thing everyone sees is "from b".
        Assert.Equal("from b", await onA.ReceiveTextAsync());
        Assert.Equal("from b", await onB.ReceiveTextAsync());
        var first = await sseOnB.NextAsync();
        var second = await sseOnB.NextAsync();
        Assert.Equal(("chat", "from a"), (first.EventType, first.Data));
        Assert.Equal("from b", second.Data);
        Assert.True(MessagePosition.TryParse(second.EventId, out var secondId) && MessagePosition.TryParse(first.EventId, out var firstId)
            && secondId.Value.IsAfter(firstId.Value));
    }

    [Fact]
    public async Task Publish_OnOneNode_ReachesSubscribersOfTheOtherWithTheSameId()
    {
        await using var sseOnB = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=news");
        using var http = _nodeA.CreateHttpClient();

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "cross-node")]), TestTimeout.Token());

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString();
        var item = await sseOnB.NextAsync();
        Assert.Equal(("cross-node", id), (item.Data, item.EventId));
    }

    [Fact]
    public async Task Reconnect_ToTheOtherNodeWithLastEventId_ResumesWithoutLossOrDuplicates()
    {
        string lastSeen;
        await using (var onA = await SseTestClient.ConnectAsync(_nodeA, "sse?topic=orders&topic=news"))
        {
            await _nodeA.Hub.PublishAsync("orders", "update", "m1", TestTimeout.Token());
            await _nodeB.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
            Assert.Equal("m1", (await onA.NextAsync()).Data);
            lastSeen = (await onA.NextAsync()).EventId!;
        }

        await _nodeB.Hub.PublishAsync("orders", "update", "m3", TestTimeout.Token());
        await _nodeA.Hub.PublishAsync("elsewhere", "update", "not subscribed", TestTimeout.Token());
        await _nodeA.Hub.PublishAsync(new MessageDraft(["news", "orders"], "update", "m4"), TestTimeout.Token());
        await using var onB = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders&topic=news", lastEventId: lastSeen);
        await _nodeA.Hub.PublishAsync("news", "update", "m5", TestTimeout.Token());

        Assert.Equal("complete", Assert.Single(onB.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(["m3", "m4", "m5"], [(await onB.NextAsync()).Data, (await onB.NextAsync()).Data, (await onB.NextAsync()).Data]);
    }

    [Fact]
    public async Task Resume_FromAnIdTrimmedFromItsTopic_AnswersGapAndReplaysEverythingHeld()
    {
        var published = await PublishManyAsync("orders", 150);

        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: published[9]);
        var (gap, replay) = await ReadResumeAsync(resumed);

        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(("gap", $$"""{"lastEventId":"{{published[9]}}"}"""), (gap?.EventType, gap?.Data));
        // Redis keeps at least HistoryPerTopic (10) of the newest, in whole nodes: what it holds, in order, to the end.
        Assert.InRange(replay.Count, 10, 139);
        Assert.Equal(published[^replay.Count..], replay);
    }

    [Fact]
    public async Task Resume_FromTheLastEntryTrimmedFromItsTopic_IsComplete()
    {
        var published = await PublishManyAsync("orders", 150);
        int held;
        await using (var probe = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: published[0]))
        {
            held = (await ReadResumeAsync(probe)).Replay.Count;
        }

        var lastTrimmed = published[^(held + 1)];
        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: lastTrimmed);
        var (gap, replay) = await ReadResumeAsync(resumed);

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Null(gap);
        Assert.Equal(published[^held..], replay);
    }

    [Fact]
    public async Task Resume_FromAnIdNewerThanEverythingOnItsTopics_IsCompleteAndGoesLive()
    {
        await PublishManyAsync("orders", 150);
        var elsewhere = (await _nodeA.Hub.PublishAsync("news", "update", "on another topic", TestTimeout.Token())).Position;

        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: elsewhere.ToString());
        var (gap, replay) = await ReadResumeAsync(resumed);

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Null(gap);
        Assert.Empty(replay);
    }

    [Fact]
    public async Task Resume_FromAnIdNeverIssued_AnswersGapReplaysWhatIsHeldAndGoesLive()
    {
        var published = await PublishManyAsync("orders", 3);

        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=orders", lastEventId: "99999999999999-0");
        var (gap, replay) = await ReadResumeAsync(resumed);

        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal("gap", gap?.EventType);
        Assert.Equal(published, replay);
    }

    [Fact]
    public async Task RedisOutage_LocalStreamsStayOpen_PublishesGet503_AndDeliveryResumesAfterRestart()
    {
        await using var streamOnA = await SseTestClient.ConnectAsync(_nodeA, "sse?topic=news");
        using var chatOnB = await WebSocketTestClient.ConnectAsync(_nodeB, path: "ws?topic=news");
        var before = (await _nodeB.Hub.PublishAsync("news", "update", "before", TestTimeout.Token())).Position;
        Assert.Equal("before", (await streamOnA.NextAsync()).Data);
        using var http = _nodeA.CreateHttpClient();
        using var httpB = _nodeB.CreateHttpClient();

        await _redis.StopAsync();
        // Once a node has seen its connection go, what it is asked to publish is certainly not sent.
        await Eventually.ReachAsync(async () => !(await http.GetAsync("readyz", TestTimeout.Token())).IsSuccessStatusCode, "node A not ready");
        await Eventually.ReachAsync(async () => !(await httpB.GetAsync("readyz", TestTimeout.Token())).IsSuccessStatusCode, "node B not ready");
        using var during = await http.PostAsync("publish", PublishForm("during", id: "order-17-shipped"), TestTimeout.Token());
        using var liveDuring = await http.GetAsync("healthz", TestTimeout.Token());

        await chatOnB.SendTextAsync("not stored, so not sent");
        var (status, description) = await chatOnB.ReceiveCloseAsync();

        await ProblemAssert.IsProblemAsync(during, HttpStatusCode.ServiceUnavailable, "Backplane unavailable");
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal(((System.Net.WebSockets.WebSocketCloseStatus)1013, "try again later: the backplane is unavailable; your last message was not sent"), (status, description));
        Assert.Equal(HttpStatusCode.OK, liveDuring.StatusCode);

        await _redis.StartAgainAsync();
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).IsSuccessStatusCode, "node A ready again");
        await Eventually.ReachAsync(async () => (await httpB.GetAsync("readyz", TestTimeout.Token())).IsSuccessStatusCode, "node B ready again");
        await using (var beforeAnyPublish = await SseTestClient.ConnectAsync(_nodeA, "sse?topic=news", lastEventId: before.ToString()))
        {
            // Redis came back empty: even before anything new is published, the old id is known to be from a lost dataset.
            Assert.Equal("gap", Assert.Single(beforeAnyPublish.Response.Headers.GetValues("PushGateway-Resume")));
        }

        await _nodeB.Hub.PublishAsync("news", "update", "after", TestTimeout.Token());

        // The stream opened before the outage carries on: cross-node delivery is back.
        Assert.Equal("after", (await streamOnA.NextAsync()).Data);
        // Redis came back empty (no persistence): an id from before is told of its gap, then gets what is held, once.
        await using var resumed = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=news", lastEventId: before.ToString());
        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal("gap", (await resumed.NextAsync()).EventType);
        Assert.Equal("after", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Publish_WhenRedisStallsPastTheTimeout_Answers504OutcomeUnknown_DeliversOnce_AndARetryWithTheSameIdIsNotDeliveredAgain()
    {
        // A node whose Redis client gives up after a second, against a server stopped for longer than that.
        await using var impatient = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Redis:Configuration"] = _redis.Configuration + ",syncTimeout=1000,asyncTimeout=1000",
        });
        await using var subscriber = await SseTestClient.ConnectAsync(_nodeB, "sse?topic=news");
        using var chat = await WebSocketTestClient.ConnectAsync(impatient, path: "ws?topic=news");
        using var http = impatient.CreateHttpClient();

        Task<HttpResponseMessage> publishing;
        Task<(System.Net.WebSockets.WebSocketCloseStatus? Status, string? Description)> chatting;
        using (_redis.Freeze())
        {
            publishing = http.PostAsync("publish", PublishForm("once", id: "order-17-shipped"), TestTimeout.Token());
            await chat.SendTextAsync("perhaps sent");
            chatting = chat.ReceiveCloseAsync();
            await Task.WhenAll(publishing, chatting);
        }

        var chatClosed = await chatting;
        using (var stalled = await publishing)
        {
            await ProblemAssert.IsProblemAsync(
                stalled, HttpStatusCode.GatewayTimeout, "Publish outcome unknown", "https://pushgateway.dev/problems/publish-outcome-unknown");
            Assert.Null(stalled.Headers.RetryAfter);
        }

        Assert.Equal(((System.Net.WebSockets.WebSocketCloseStatus)1013, "try again later: the backplane did not confirm your last message; it may have been sent"), chatClosed);
        // Redis ran both when it went on: delivered, once each (in the order the node sent them, whichever it was).
        SseItem<string>[] delivered = [await subscriber.NextAsync(), await subscriber.NextAsync()];
        Assert.Equal(["once", "perhaps sent"], delivered.Select(item => item.Data).Order());
        Assert.Equal("order-17-shipped", delivered.Single(item => item.Data == "once").EventId);

        // The publisher retries as told (and again on a 503, which is safe): answered as the first would
        // have been, and not delivered again.
        HttpResponseMessage? retried = null;
        await Eventually.ReachAsync(
            async () =>
            {
                retried?.Dispose();
                retried = await http.PostAsync("publish", PublishForm("once", id: "order-17-shipped"), TestTimeout.Token());
                return retried.StatusCode != HttpStatusCode.ServiceUnavailable;
            },
            "the retry answered");
        using (retried)
        {
            Assert.Equal(HttpStatusCode.OK, retried!.StatusCode);
            Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal("order-17-shipped", (await retried.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString());
        }

        // Another publish with that id is another message: delivered.
        await _nodeA.Hub.PublishAsync(new MessageDraft(["news"], "message", "changed") { EventId = "order-17-shipped" }, TestTimeout.Token());
        Assert.Equal("changed", (await subscriber.NextAsync()).Data);
    }

    [Fact]
    public async Task TopicPresence_CountsSubscribersOnEveryNode()
    {
        await using var onA = await SseTestClient.ConnectAsync(_nodeA, "sse?topic=rooms/7");
        using var onB = await WebSocketTestClient.ConnectAsync(_nodeB, path: "ws?topic=rooms/7");
        using var http = _nodeA.CreateHttpClient();

        await Eventually.ReachAsync(
            async () => (await http.GetFromJsonAsync<JsonElement>("topics/rooms/7", TestTimeout.Token())).GetProperty("subscribers").GetInt32() == 2,
            "two subscribers seen from node A");
    }

    [Fact]
    public async Task Ticks_StayOnTheirNodeWithoutIds()
    {
        await using var onA = await SseTestClient.ConnectAsync(_nodeA);
        await using var onB = await SseTestClient.ConnectAsync(_nodeB);
        await _nodeA.TickerStartedAsync();

        _nodeA.Time.Advance(TimeSpan.FromSeconds(1));
        var tick = await onA.NextAsync();
        await _nodeA.Hub.PublishAsync(BuiltInTopics.Chat, EventTypes.Chat, "marker", TestTimeout.Token());

        Assert.Equal("message", tick.EventType);
        Assert.True(string.IsNullOrEmpty(tick.EventId));
        Assert.Equal("marker", (await onB.NextAsync()).Data);
    }

    private async Task<string[]> PublishManyAsync(string topic, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await _nodeA.Hub.PublishAsync(topic, "update", $"m{i}", TestTimeout.Token())).Position.ToString();
        }

        return ids;
    }

    private Task<(SseItem<string>? Gap, List<string> Replay)> ReadResumeAsync(SseTestClient resumed) =>
        ResumeReader.ReadAsync(resumed, _nodeA, "orders");

    private static FormUrlEncodedContent PublishForm(string data, string id) =>
        new([new("topic", "news"), new("data", data), new("id", id)]);
}
