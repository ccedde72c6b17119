using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using PushGateway.Client;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Client;

/// <summary>The .NET client against the real gateway: publishing through the resilient client, subscriptions that resume by themselves.</summary>
public sealed class PushGatewayClientTests : IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
    private readonly List<ServiceProvider> _providers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Publish_ReachesASubscriber_AsAnEventWithTheIdItAnswered()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");

        var result = await Publisher(_gateway.HttpAddress).PublishAsync(new PushPublication(["news"], "hello") { EventType = "update" }, TestTimeout.Token());

        var received = await sse.NextAsync();
        Assert.Equal(("update", result.Id, "hello"), (received.EventType, received.EventId, received.Data));
        Assert.False(result.Replayed);
    }

    [Fact]
    public async Task Publish_AnswerLostAfterTheGatewayTookIt_IsRetriedUnderTheSameKeyAndDeliveredOnce()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");
        var publisher = Services(_gateway.HttpAddress, token: null, services =>
            services.AddHttpClient<PushPublisher>().AddHttpMessageHandler(() => new LoseTheFirstAnswer())).GetRequiredService<PushPublisher>();

        var result = await publisher.PublishAsync("news", "once", TestTimeout.Token());
        await _gateway.Hub.PublishAsync("news", "update", "marker", TestTimeout.Token());

        Assert.True(result.Replayed, "the retry was answered from the first attempt");
        var first = await sse.NextAsync();
        Assert.Equal(("once", result.Id), (first.Data, first.EventId));
        Assert.Equal("marker", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Publish_Refused_ThrowsWithTheProblemsStatusAndDetail()
    {
        var refused = await Assert.ThrowsAsync<PushGatewayException>(() => Publisher(_gateway.HttpAddress).PublishAsync("not a topic!", "x", TestTimeout.Token()));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.StartsWith("topic: ", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_AfterAnOutageOfManyFailedAttempts_ThrowsTheGatewaysAnswerMeanwhile_AndIsTakenAsSoonAsItIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Redis:Configuration"] = redis.Configuration,
        });
        using var http = node.CreateHttpClient();
        // The gateway's Retry-After (5 s) only slows the test: the attempts are what counts.
        var publisher = Services(node.HttpAddress, token: null, services => services.Configure<HttpStandardResilienceOptions>(
            $"{nameof(PushPublisher)}-standard", resilience => resilience.Retry.ShouldRetryAfterHeader = false)).GetRequiredService<PushPublisher>();
        await redis.StopAsync();
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.ServiceUnavailable, "the node not ready");

        // 30 publishes of 4 attempts each, every one answered 503: more than the standard circuit breaker's minimum
        // throughput (100), all failed. Each throws what the gateway answered, not the client's own refusal.
        for (var i = 0; i < 30; i++)
        {
            var refused = await Assert.ThrowsAsync<PushGatewayException>(() => publisher.PublishAsync("news", $"during the outage {i}", TestTimeout.Token()));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        }

        await redis.StartAgainAsync();
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.OK, "the node ready");
        await using var subscriber = await SseTestClient.ConnectAsync(node, "sse?topic=news");
        var result = await publisher.PublishAsync("news", "after the outage", TestTimeout.Token());
        var delivered = await subscriber.NextAsync();
        Assert.Equal(("after the outage", result.Id), (delivered.Data, delivered.EventId));
    }

    [Fact]
    public async Task Publish_SendsTheTokenTheCallbackGivesAtTheTime()
    {
        await using var gateway = new GatewayFactory(Tokens.Settings());
        string? token = null;
        var publisher = Publisher(gateway.HttpAddress, _ => ValueTask.FromResult(token));

        var anonymous = await Assert.ThrowsAsync<PushGatewayException>(() => publisher.PublishAsync("news", "x", TestTimeout.Token()));
        token = Tokens.Mint(gateway.Time.GetUtcNow(), publish: ["news"]);
        var allowed = await publisher.PublishAsync("news", "y", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.False(string.IsNullOrEmpty(allowed.Id));
    }

    [Theory]
    [InlineData(PushTransport.ServerSentEvents)]
    [InlineData(PushTransport.WebSocket)]
    public async Task Subscribe_AfterTheConnectionDrops_ResumesWithoutLossOrRepeat(PushTransport transport)
    {
        await using var relay = new TcpRelay(_gateway.HttpAddress.Port);
        var start = await _gateway.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var stop = new CancellationTokenSource();
        await using var messages = Subscriber(new Uri($"http://127.0.0.1:{relay.Port}/"), transport)
            .SubscribeAsync(["news"], start.Position.ToString(), stop.Token).GetAsyncEnumerator(stop.Token);

        await _gateway.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        Assert.Equal("m1", (await NextAsync(messages)).Data);

        relay.Cut();
        await _gateway.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
        await _gateway.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());
        relay.Restore();

        Assert.Equal("m2", (await NextAsync(messages)).Data);
        Assert.Equal("m3", (await NextAsync(messages)).Data);
        await _gateway.Hub.PublishAsync("news", "update", "m4", TestTimeout.Token());
        Assert.Equal("m4", (await NextAsync(messages)).Data);
        await stop.CancelAsync();
    }

    [Theory]
    [InlineData(PushTransport.ServerSentEvents)]
    [InlineData(PushTransport.WebSocket)]
    public async Task Subscribe_Refused_Throws(PushTransport transport)
    {
        await using var messages = Subscriber(_gateway.HttpAddress, transport).SubscribeAsync(["not a topic!"], cancellationToken: TestTimeout.Token()).GetAsyncEnumerator(TestTimeout.Token());

        var refused = await Assert.ThrowsAsync<PushGatewayException>(async () => await messages.MoveNextAsync());

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
    }

    [Theory]
    [InlineData(PushTransport.ServerSentEvents)]
    [InlineData(PushTransport.WebSocket)]
    public async Task Subscribe_OnRedis_MovedToAnotherNode_ResumesThereWithoutLossOrRepeat(PushTransport transport)
    {
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        await using var relay = new TcpRelay(cluster.NodeA.HttpAddress.Port);
        var start = await cluster.NodeA.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var stop = new CancellationTokenSource();
        await using var messages = Subscriber(new Uri($"http://127.0.0.1:{relay.Port}/"), transport)
            .SubscribeAsync(["news"], start.Position.ToString(), stop.Token).GetAsyncEnumerator(stop.Token);
        await cluster.NodeA.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        var first = await NextAsync(messages);

        // Node A leaves; what is published meanwhile is on node B, where the client comes back.
        relay.Cut();
        await cluster.NodeB.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
        await cluster.NodeA.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());
        relay.Retarget(cluster.NodeB.HttpAddress.Port);
        relay.Restore();

        string[] resumed = [(await NextAsync(messages)).Data, (await NextAsync(messages)).Data];
        await cluster.NodeB.Hub.PublishAsync("news", "update", "m4", TestTimeout.Token());
        var live = await NextAsync(messages);

        Assert.Equal("m1", first.Data);
        Assert.Equal(["m2", "m3"], resumed);
        Assert.Equal("m4", live.Data);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Subscribe_OverWebSocketDuringARedisOutage_KeepsTryingAndResumesOnceRedisIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Redis:Configuration"] = redis.Configuration,
            // The line each closed connection logs: how the test sees a refused attempt end.
            ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
        });
        using var http = node.CreateHttpClient();
        var start = await node.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        await node.Hub.PublishAsync("news", "update", "missed", TestTimeout.Token());
        await redis.StopAsync();
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.ServiceUnavailable, "the node not ready");
        using var stop = new CancellationTokenSource();
        await using var messages = Subscriber(node.HttpAddress, PushTransport.WebSocket)
            .SubscribeAsync(["news"], start.Position.ToString(), stop.Token).GetAsyncEnumerator(stop.Token);

        // The resume is refused (backplane_unavailable) until Redis is back: the subscriber keeps trying.
        var next = messages.MoveNextAsync().AsTask();
        await node.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason"));
        await redis.StartAgainAsync();

        // Redis came back without its data (persistence off): the resume reports the gap, then goes live.
        Assert.True(await next.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken), "the subscription ended");
        Assert.True(messages.Current.IsGap, $"expected the gap notice, got {messages.Current}");
        await node.Hub.PublishAsync("news", "update", "after", TestTimeout.Token());
        Assert.Equal("after", (await NextAsync(messages)).Data);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Subscribe_OverWebSocket_WhenItsNodeStops_AnswersTheCloseBeforeWaitingToReconnect()
    {
        // The node advises a reconnect a minute later: a client that answered the close only when it reconnects (or
        // never) would hold the stopping node until its shutdown timeout.
        var node = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Shutdown:DrainWindow"] = "00:00:00",
            ["PushGateway:Shutdown:SseRetryMinimum"] = "00:01:00",
            ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
        });
        await using var disposeNode = node;
        var start = await node.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var stop = new CancellationTokenSource();
        await using var messages = Subscriber(node.HttpAddress, PushTransport.WebSocket)
            .SubscribeAsync(["news"], start.Position.ToString(), stop.Token).GetAsyncEnumerator(stop.Token);
        await node.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        Assert.Equal("m1", (await NextAsync(messages)).Data);

        // The client reads the reconnect advice and the close while it waits for its next message.
        var next = messages.MoveNextAsync().AsTask();
        try
        {
            var stopping = node.DisposeAsync().AsTask();

            await stopping.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            var closed = Assert.Single(node.Logs.Events, e => e.Properties.ContainsKey("CloseReason"));
            Assert.DoesNotContain("aborted", closed.RenderMessage(), StringComparison.Ordinal);
            Assert.False(next.IsCompleted, "the client waits the advised minute before it reconnects");
        }
        finally
        {
            // The enumerator may be disposed only once its pending step is over.
            await stop.CancelAsync();
            await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    private static async Task<PushMessage> NextAsync(IAsyncEnumerator<PushMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken), "the subscription ended");
        return messages.Current;
    }

    private PushPublisher Publisher(Uri gateway, Func<CancellationToken, ValueTask<string?>>? token = null) =>
        Services(gateway, token).GetRequiredService<PushPublisher>();

    private PushSubscriber Subscriber(Uri gateway, PushTransport transport) =>
        Services(gateway, token: null, services => services.Configure<PushGatewayClientOptions>(options => options.Transport = transport)).GetRequiredService<PushSubscriber>();

    private ServiceProvider Services(Uri gateway, Func<CancellationToken, ValueTask<string?>>? token, Action<IServiceCollection>? adjust = null)
    {
        var services = new ServiceCollection();
        services.AddPushGatewayClient(options =>
        {
            options.BaseAddress = gateway;
            options.AccessToken = token;
            options.ReconnectDelay = TimeSpan.FromMilliseconds(20);
        });
        // The standard 2-second first retry would only slow the tests.
        services.Configure<HttpStandardResilienceOptions>($"{nameof(PushPublisher)}-standard", resilience => resilience.Retry.Delay = TimeSpan.FromMilliseconds(1));
        adjust?.Invoke(services);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    /// <summary>Below the retries: the first answer is lost after the gateway took the publish, as when a connection breaks.</summary>
    private sealed class LoseTheFirstAnswer : DelegatingHandler
    {
        private int _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                response.Dispose();
                throw new HttpRequestException("the connection broke after the gateway answered");
            }

            return response;
        }
    }
}
