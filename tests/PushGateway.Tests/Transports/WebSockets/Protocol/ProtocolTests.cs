using System.Net.WebSockets;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets.Protocol;

/// <summary>The <c>pushgateway.v1.json</c> sub-protocol on <c>/ws</c> (docs/protocol.md), through a real ClientWebSocket.</summary>
public sealed class ProtocolTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Hub:MaxTopicsPerConnection"] = "3",
        ["PushGateway:Hub:HistorySize"] = "3",
        ["PushGateway:WebSockets:MaxMessageBytes"] = "512",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Connect_OfferingTheSubProtocol_AcceptsItAndNothingArrivesBeforeASubscribe()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        Assert.Equal(ProtocolTestClient.SubProtocol, client.Client.Socket.SubProtocol);
        _gateway.Hub.Publish(BuiltInTopics.Chat, "message", "not for a socket that subscribed to nothing");
        // The pong comes first: the chat message was not sent to this socket.
        await client.PingAsync();
    }

    [Fact]
    public async Task Connect_OfferingOnlyUnknownSubProtocols_IsPlainChat()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway, options => options.AddSubProtocol("pushgateway.v2.json"));

        Assert.Null(client.Socket.SubProtocol);
        await client.SendTextAsync("""{"type":"ping","id":"1"}""");
        Assert.Equal("""{"type":"ping","id":"1"}""", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Subscribe_ThenAPublish_ArrivesAsAMessageEnvelopeWithTheMessagesTopics()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        Assert.Equal(["none"], await client.SubscribeAsync("s1", "news"));
        var message = _gateway.Hub.Publish(new MessageDraft(["news", "sports"], "score", "1–0 \"<b>\"\n") { RetryMilliseconds = 2500 });

        Assert.Equal(
            $$"""{"type":"message","topics":["news","sports"],"event":"score","id":"{{message.EventId}}","data":"1–0 \"<b>\"\n","retry":2500}""",
            await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Subscribe_SeveralTopicsOnOneSocket_ReceivesEachAndAMessageOnTwoOfThemOncePerTopic()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("s1", "a", "b");
        Assert.Equal(["none"], await client.SubscribeAsync("s2", "c"));

        var onA = _gateway.Hub.Publish("a", "message", "on a");
        var onC = _gateway.Hub.Publish("c", "message", "on c");
        var onAAndB = _gateway.Hub.Publish(new MessageDraft(["a", "b"], "message", "on a and b"));

        var received = new List<(string? Id, string? Data)>();
        for (var i = 0; i < 4; i++)
        {
            var frame = await client.ReceiveAsync();
            Assert.Equal("message", frame.GetProperty("type").GetString());
            received.Add((frame.GetProperty("id").GetString(), frame.GetProperty("data").GetString()));
        }

        // One subscription per topic: each in order, the message on a and b once for each (the client drops repeats by id).
        Assert.Equal(
            [(onA.EventId, "on a"), (onC.EventId, "on c"), (onAAndB.EventId, "on a and b"), (onAAndB.EventId, "on a and b")],
            received.OrderBy(item => item.Id, StringComparer.Ordinal));
        await client.PingAsync();
    }

    [Fact]
    public async Task Subscribe_WithTheLastIdSeen_ReplaysWhatFollowedThenContinuesLive()
    {
        var first = _gateway.Hub.Publish("news", "message", "1");
        _gateway.Hub.Publish("elsewhere", "message", "not news");
        var second = _gateway.Hub.Publish("news", "message", "2");
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("live", "other");

        await client.SendAsync($$"""{"type":"subscribe","id":"s1","topics":[{"topic":"news","lastEventId":"{{first.EventId}}"}]}""");

        Assert.Equal("""{"type":"subscribed","id":"s1","topic":"news","resume":"complete"}""", await client.ReceiveTextAsync());
        Assert.Equal(second.EventId, (await client.ReceiveAsync()).GetProperty("id").GetString());
        var third = _gateway.Hub.Publish("news", "message", "3");
        Assert.Equal(third.EventId, (await client.ReceiveAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Subscribe_WithALastIdHistoryNoLongerHolds_SaysGapAndReplaysWhatIsHeld()
    {
        // History holds 3 messages: the first and the one after it are gone.
        var messages = Enumerable.Range(1, 5).Select(i => _gateway.Hub.Publish("news", "message", $"{i}")).ToList();
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        await client.SendAsync($$"""{"type":"subscribe","id":"s1","topics":[{"topic":"news","lastEventId":"{{messages[0].EventId}}"}]}""");

        Assert.Equal("""{"type":"subscribed","id":"s1","topic":"news","resume":"gap"}""", await client.ReceiveTextAsync());
        foreach (var held in messages[2..])
        {
            Assert.Equal(held.Data, (await client.ReceiveAsync()).GetProperty("data").GetString());
        }
    }

    [Fact]
    public async Task Unsubscribe_StopsThatTopicOnly()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("s1", "a", "b");

        await client.SendAsync("""{"type":"unsubscribe","id":"u1","topics":["a"]}""");
        Assert.Equal("""{"type":"unsubscribed","id":"u1","topic":"a"}""", await client.ReceiveTextAsync());
        _gateway.Hub.Publish("a", "message", "on a");
        _gateway.Hub.Publish("b", "message", "on b");

        Assert.Equal("on b", (await client.ReceiveAsync()).GetProperty("data").GetString());
        await client.SendAsync("""{"type":"unsubscribe","id":"u2","topics":["a"]}""");
        Assert.Equal("not_subscribed", await client.ReceiveErrorAsync("u2"));
    }

    [Fact]
    public async Task Publish_IsAckedWithItsIdAndReachesAnSseSubscriber()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        await client.SendAsync("""{"type":"publish","id":"p1","topics":["news"],"event":"headline","data":"hello","idempotencyKey":"k-1"}""");

        var ack = await client.ReceiveAsync();
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        Assert.Equal("p1", ack.GetProperty("id").GetString());
        var delivered = await sse.NextAsync();
        Assert.Equal(("headline", "hello", ack.GetProperty("eventId").GetString()), (delivered.EventType, delivered.Data, delivered.EventId));
    }

    [Fact]
    public async Task Publish_RetriedUnderOneIdempotencyKey_IsDeliveredOnceAndSharesTheKeyWithPostPublish()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        using var http = _gateway.CreateHttpClient();

        await client.SendAsync("""{"type":"publish","id":"p1","topics":["news"],"data":"once","idempotencyKey":"k-2"}""");
        var first = await client.ReceiveAsync();
        await client.SendAsync("""{"type":"publish","id":"p2","topics":["news"],"data":"once","idempotencyKey":"k-2"}""");
        var retried = await client.ReceiveAsync();
        using var overHttp = new HttpRequestMessage(HttpMethod.Post, "publish") { Content = new StringContent("""{"topic":"news","data":"once"}""", System.Text.Encoding.UTF8, "application/json") };
        overHttp.Headers.Add("Idempotency-Key", "k-2");
        using var httpAnswer = await http.SendAsync(overHttp, TestTimeout.Token());
        await client.SendAsync("""{"type":"publish","id":"p3","topics":["news"],"data":"another","idempotencyKey":"k-2"}""");
        var reused = await client.ReceiveErrorAsync("p3");
        await client.SendAsync("""{"type":"publish","id":"p4","topics":["news"],"data":"marker"}""");

        var eventId = first.GetProperty("eventId").GetString();
        Assert.False(first.TryGetProperty("replayed", out _));
        Assert.Equal(("p2", eventId, true), (retried.GetProperty("id").GetString(), retried.GetProperty("eventId").GetString(), retried.GetProperty("replayed").GetBoolean()));
        Assert.Equal("true", Assert.Single(httpAnswer.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal("idempotency_key_reused", reused);
        var delivered = await sse.NextAsync();
        Assert.Equal(("once", eventId), (delivered.Data, delivered.EventId));
        Assert.Equal("marker", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Publish_WithItsOwnEventId_IsAckedWithIt()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("s1", "news");

        await client.SendAsync("""{"type":"publish","id":"p1","topics":["news"],"data":"hi","eventId":"mine-1"}""");

        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.Contains(frames, frame => frame.GetProperty("type").GetString() == "ack" && frame.GetProperty("eventId").GetString() == "mine-1");
        Assert.Contains(frames, frame => frame.GetProperty("type").GetString() == "message" && frame.GetProperty("id").GetString() == "mine-1");
    }

    [Fact]
    public async Task Subscribe_PastTheTopicLimit_IsRefusedAndNothingOfItIsSubscribed()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("s1", "a", "b");

        await client.SendAsync("""{"type":"subscribe","id":"s2","topics":["c","d"]}""");

        Assert.Equal("topic_limit", await client.ReceiveErrorAsync("s2"));
        _gateway.Hub.Publish("c", "message", "on c");
        await client.PingAsync();
        Assert.Equal(["none"], await client.SubscribeAsync("s3", "c"));
    }

    [Theory]
    [InlineData("not json", null, "bad_frame")]
    [InlineData("[1,2]", null, "bad_frame")]
    [InlineData("""{"type":"subscribe","id":"x","topics":"news"}""", "x", "invalid")]
    [InlineData("""{"type":"subscribe","id":"x"}""", "x", "invalid")]
    [InlineData("""{"type":"subscribe","id":"x","topics":["bad topic"]}""", "x", "invalid")]
    [InlineData("""{"type":"subscribe","id":"x","topics":[{"topic":"a","lastEventId":5}]}""", "x", "invalid")]
    [InlineData("""{"type":"publish","id":"x","topics":["news"]}""", "x", "invalid")]
    [InlineData("""{"type":"publish","id":"x","topics":["news"],"data":"d","eventId":"1-2"}""", "x", "invalid")]
    [InlineData("""{"type":"publish","id":"x","topics":["news"],"data":"d","retry":"5"}""", null, "bad_frame")]
    [InlineData("""{"id":"x"}""", "x", "invalid")]
    [InlineData("""{"type":"subscribe","type":"ping"}""", null, "bad_frame")]
    [InlineData("""{"type":"teleport","id":"x"}""", "x", "unknown_type")]
    public async Task AFrameThatIsNotAValidRequest_GetsAnErrorAndTheSocketCarriesOn(string frame, string? requestId, string code)
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);
        await client.SubscribeAsync("s1", "news");

        await client.SendAsync(frame);

        Assert.Equal(code, await client.ReceiveErrorAsync(requestId));
        var message = _gateway.Hub.Publish("news", "message", "still delivered");
        Assert.Equal(message.EventId, (await client.ReceiveAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task AFrameOverTheSizeLimit_Closes1009()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        await client.SendAsync(JsonSerializer.Serialize(new { type = "publish", topics = new[] { "news" }, data = new string('x', 600) }));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await client.Client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task Stop_SendsReconnectAdviceThenCloses1012AfterWhatWasQueued()
    {
        const int Count = 20_000;
        var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Hub:SubscriberQueueCapacity"] = $"{Count}" });
        using var client = await ProtocolTestClient.ConnectAsync(gateway);
        await client.SubscribeAsync("s1", "news");
        // More than the socket's buffers hold while the client does not read: most are still queued when the stop comes.
        var data = new string('x', 200);
        for (var i = 0; i < Count; i++)
        {
            gateway.Hub.Publish("news", "message", data);
        }

        var stopping = gateway.DisposeAsync().AsTask();

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal("message", (await client.ReceiveAsync()).GetProperty("type").GetString());
        }

        // No drain window in tests: the delay is the floor, Shutdown:SseRetryMinimum.
        Assert.Equal("""{"type":"reconnect","delayMs":1000,"reason":"server restarting: reconnect"}""", await client.ReceiveTextAsync());
        Assert.Equal((WebSocketCloseStatus)1012, (await client.Client.ReceiveCloseAsync()).Status);
        await client.Client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_WithASocketSubscribedToNothing_ClosesItWithReconnectAdviceToo()
    {
        var gateway = new GatewayFactory();
        using var client = await ProtocolTestClient.ConnectAsync(gateway);
        await client.PingAsync();

        var stopping = gateway.DisposeAsync().AsTask();

        Assert.Equal("reconnect", (await client.ReceiveAsync()).GetProperty("type").GetString());
        Assert.Equal((WebSocketCloseStatus)1012, (await client.Client.ReceiveCloseAsync()).Status);
        await client.Client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task EveryFrame_CountsAgainstTheMessageRate()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Limits:MessageBurst"] = "3",
            ["PushGateway:Limits:MessagesPerPeriod"] = "1",
            ["PushGateway:Limits:MessageRatePeriod"] = "01:00:00",
        });
        using var client = await ProtocolTestClient.ConnectAsync(gateway);

        for (var i = 0; i < 4; i++)
        {
            await client.SendAsync("""{"type":"ping"}""");
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await client.Client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task Subscribe_WithALastIdWhilePublishesGoOn_GetsEveryLaterMessageOnceInOrder()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Hub:HistorySize"] = "1000" });
        var first = gateway.Hub.Publish("news", "message", "0");
        using var client = await ProtocolTestClient.ConnectAsync(gateway);
        await client.SubscribeAsync("busy", "other");
        var publishing = Task.Run(() => Enumerable.Range(1, 300).Select(i => gateway.Hub.Publish("news", "message", $"{i}").EventId).ToList());

        // Subscribed somewhere in the middle of the publishes: the replay ends where live delivery starts.
        await client.SendAsync($$"""{"type":"subscribe","id":"s1","topics":[{"topic":"news","lastEventId":"{{first.EventId}}"}]}""");

        Assert.Equal("""{"type":"subscribed","id":"s1","topic":"news","resume":"complete"}""", await client.ReceiveTextAsync());
        var published = await publishing;
        var received = new List<string?>();
        while (received.Count < published.Count)
        {
            received.Add((await client.ReceiveAsync()).GetProperty("id").GetString());
        }

        Assert.Equal(published, received);
        await client.PingAsync();
    }

    [Fact]
    public async Task ATopicWhoseQueueOverflows_ClosesTheSocketWith1008()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Hub:SubscriberQueueCapacity"] = "1" });
        using var client = await ProtocolTestClient.ConnectAsync(gateway);
        await client.SubscribeAsync("s1", "news");

        // One slot and a burst: the topic's queue overflows long before the socket is anywhere near full.
        for (var i = 0; i < 1000 && gateway.Hub.SubscriberCount == 1; i++)
        {
            gateway.Hub.Publish("news", "message", $"burst {i}");
        }

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "too slow: send queue overflowed"), await client.Client.ReceiveCloseAsync());
    }
}
