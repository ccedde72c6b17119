using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability;

/// <summary>The gateway's instruments, read with <see cref="MetricCollector{T}"/> while real clients use it.</summary>
public sealed class GatewayMetricsTests : IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        ["PushGateway:Hub:HistorySize"] = "3",
    });

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task WebSocket_ChatThenClientClose_CountsOpenPublishDeliveryAndCloseByClient()
    {
        using var opened = Collect<long>("pushgateway.connections.opened");
        using var active = Collect<long>("pushgateway.connections.active");
        using var closed = Collect<long>("pushgateway.connections.closed");
        using var published = Collect<long>("pushgateway.messages.published");
        using var delivered = Collect<long>("pushgateway.messages.delivered");
        using var latency = Collect<double>("pushgateway.delivery.duration");

        using (var client = await WebSocketTestClient.ConnectAsync(_gateway))
        {
            await client.SendTextAsync("hello");
            Assert.Equal("hello", await client.ReceiveTextAsync());
            await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", TestTimeout.Token());
        }

        await closed.WaitForMeasurementsAsync(1, TestTimeout.Default);
        AssertTags(Assert.Single(opened.GetMeasurementSnapshot()), ("transport", "ws"));
        AssertTags(Assert.Single(closed.GetMeasurementSnapshot()), ("transport", "ws"), ("reason", "client"));
        Assert.Equal([1L, -1L], active.GetMeasurementSnapshot().Select(m => m.Value));
        AssertTags(Assert.Single(published.GetMeasurementSnapshot()), ("source", MessageSources.WebSocket));
        delivered.RecordObservableInstruments();
        var total = Assert.Single(delivered.GetMeasurementSnapshot());
        Assert.Equal(1, total.Value);
        AssertTags(total, ("transport", "ws"));
        var measured = Assert.Single(latency.GetMeasurementSnapshot());
        AssertTags(measured, ("transport", "ws"));
        Assert.InRange(measured.Value, 0, TestTimeout.Default.TotalSeconds);
    }

    [Fact]
    public async Task Sse_PublishApiThenClientLeaves_CountsPublishApiDeliveryAndCloseByClient()
    {
        using var closed = Collect<long>("pushgateway.connections.closed");
        using var published = Collect<long>("pushgateway.messages.published");
        using var delivered = Collect<long>("pushgateway.messages.delivered");
        using var latency = Collect<double>("pushgateway.delivery.duration");
        using var publishDuration = Collect<double>("pushgateway.backplane.publish.duration");

        using var http = _gateway.CreateHttpClient();
        await using (var stream = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news"))
        {
            using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "hi")]), TestTimeout.Token());
            response.EnsureSuccessStatusCode();
            Assert.Equal("hi", (await stream.NextAsync()).Data);
        }

        await closed.WaitForMeasurementsAsync(1, TestTimeout.Default);
        AssertTags(Assert.Single(closed.GetMeasurementSnapshot()), ("transport", "sse"), ("reason", "client"));
        AssertTags(Assert.Single(published.GetMeasurementSnapshot()), ("source", MessageSources.PublishApi));
        delivered.RecordObservableInstruments();
        var total = Assert.Single(delivered.GetMeasurementSnapshot());
        Assert.Equal(1, total.Value);
        AssertTags(total, ("transport", "sse"));
        AssertTags(Assert.Single(latency.GetMeasurementSnapshot()), ("transport", "sse"));
        AssertTags(Assert.Single(publishDuration.GetMeasurementSnapshot()), ("backplane", "in-process"));
    }

    [Fact]
    public async Task Ticker_Tick_IsCountedAsPublishedByTheTicker()
    {
        using var gateway = new GatewayFactory();
        using var published = new MetricCollector<long>(
            gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "pushgateway.messages.published");
        await using var stream = await SseTestClient.ConnectAsync(gateway, "sse?topic=ticker");
        await gateway.TickerStartedAsync();

        gateway.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("message", (await stream.NextAsync()).EventType);
        AssertTags(Assert.Single(published.GetMeasurementSnapshot()), ("source", MessageSources.Ticker));
    }

    [Fact]
    public async Task SlowWebSocket_IsDroppedAndClosedWithReasonSlowConsumer()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Hub:SubscriberQueueCapacity"] = "1",
            ["PushGateway:Ticker:Enabled"] = "false",
        });
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var dropped = new MetricCollector<long>(meters, GatewayMetrics.MeterName, "pushgateway.subscribers.dropped");
        using var closed = new MetricCollector<long>(meters, GatewayMetrics.MeterName, "pushgateway.connections.closed");
        using var client = await WebSocketTestClient.ConnectAsync(gateway);

        // One slot and a burst: the queue overflows long before the socket is anywhere near full.
        for (var i = 0; i < 1000 && gateway.Hub.SubscriberCount == 1; i++)
        {
            gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"burst {i}");
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await client.ReceiveCloseAsync()).Status);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());

        await closed.WaitForMeasurementsAsync(1, TestTimeout.Default);
        AssertTags(Assert.Single(dropped.GetMeasurementSnapshot()), ("transport", "ws"));
        AssertTags(Assert.Single(closed.GetMeasurementSnapshot()), ("transport", "ws"), ("reason", "slow_consumer"));
    }

    [Fact]
    public async Task WebSocketOverItsMessageRate_IsClosedWithReasonRateLimit()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Limits:MessageBurst"] = "1",
            ["PushGateway:Ticker:Enabled"] = "false",
        });
        using var closed = new MetricCollector<long>(
            gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "pushgateway.connections.closed");
        using var client = await WebSocketTestClient.ConnectAsync(gateway);

        await client.SendTextAsync("one");
        await client.SendTextAsync("two");
        Assert.Equal("rate limit exceeded: too many messages", (await client.ReceiveCloseAsync()).Description);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());

        await closed.WaitForMeasurementsAsync(1, TestTimeout.Default);
        AssertTags(Assert.Single(closed.GetMeasurementSnapshot()), ("transport", "ws"), ("reason", "rate_limit"));
    }

    [Fact]
    public async Task ServerShutdown_ClosesSocketsAndStreamsWithReasonShutdown()
    {
        using var closed = Collect<long>("pushgateway.connections.closed");
        using var socket = await WebSocketTestClient.ConnectAsync(_gateway);
        await using var stream = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");

        // What the drain does on stop, at once.
        _gateway.Hub.Close(_gateway.Hub.StopAdmitting(SubscriptionCloseReason.ServerShutdown), SubscriptionCloseReason.ServerShutdown);

        await socket.ReceiveCloseAsync();
        await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        Assert.Equal(StreamEnd.Completed, await stream.EndsAsync());
        await closed.WaitForMeasurementsAsync(2, TestTimeout.Default);
        Assert.All(closed.GetMeasurementSnapshot(), m => Assert.Equal("shutdown", m.Tags["reason"]));
        Assert.Equal(["sse", "ws"], closed.GetMeasurementSnapshot().Select(m => (string)m.Tags["transport"]!).Order());
    }

    [Fact]
    public async Task Resume_CompleteAndWithAGap_CountsOutcomesAndReplayedMessages()
    {
        using var resumes = Collect<long>("pushgateway.resumes");
        using var replayed = Collect<long>("pushgateway.resume.replayed");
        var ids = Enumerable.Range(0, 5).Select(i => _gateway.Hub.Publish("news", EventTypes.Message, $"m{i}").EventId).ToList();

        // History holds the last 3: after m3, m4 is replayed in full; after m0, m1 is lost and m2..m4 replayed.
        await using (var complete = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news", lastEventId: ids[3]))
        {
            Assert.Equal("m4", (await complete.NextAsync()).Data);
        }

        await using (var gap = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news", lastEventId: ids[0]))
        {
            Assert.Equal("gap", (await gap.NextAsync()).EventType);
        }

        var outcomes = resumes.GetMeasurementSnapshot();
        Assert.Equal(2, outcomes.Count);
        AssertTags(outcomes[0], ("transport", "sse"), ("outcome", "complete"));
        AssertTags(outcomes[1], ("transport", "sse"), ("outcome", "gap"));
        Assert.Equal([1L, 3L], replayed.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public void InProcessBackplane_IsAlwaysUpAndReportsNoLag()
    {
        using var up = Collect<int>("pushgateway.backplane.up");
        using var lag = Collect<double>("pushgateway.backplane.lag");

        up.RecordObservableInstruments();
        lag.RecordObservableInstruments();

        var measured = Assert.Single(up.GetMeasurementSnapshot());
        Assert.Equal(1, measured.Value);
        AssertTags(measured, ("backplane", "in-process"));
        Assert.Empty(lag.GetMeasurementSnapshot());
    }

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct =>
        new(_gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, instrument);

    private static void AssertTags<T>(CollectedMeasurement<T> measurement, params (string Key, string Value)[] tags)
        where T : struct
    {
        Assert.Equal(tags.Length, measurement.Tags.Count);
        foreach (var (key, value) in tags)
        {
            Assert.Equal(value, measurement.Tags[key]);
        }
    }
}
