using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hub;

/// <summary>
/// A subscriber that stops reading fills its socket buffers, then its queue, and is dropped; the
/// healthy subscriber beside it receives every message, in order, throughout.
/// </summary>
public sealed class SlowSubscriberTests : IDisposable
{
    private const int QueueCapacity = 8;
    private const int Batch = 4;
    private const int MaxBatches = 4000;
    private static readonly string Payload = new('x', 16 * 1024);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Hub:SubscriberQueueCapacity"] = QueueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PushGateway:Ticker:Enabled"] = "false",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task SseSubscriberThatStopsReading_IsDroppedWhileHealthyOneReceivesEverything()
    {
        using var dropped = DroppedCounter();
        await using var slow = await SseTestClient.ConnectAsync(_gateway);
        await using var healthy = await SseTestClient.ConnectAsync(_gateway);

        var published = await PublishUntilOneIsDroppedAsync(async expected =>
            Assert.Equal(expected.Position.ToString(), (await healthy.NextAsync()).EventId));

        var afterDrop = _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "after the drop");
        Assert.Equal(afterDrop.Position.ToString(), (await healthy.NextAsync()).EventId);
        Assert.Equal("sse", Assert.Single(dropped.GetMeasurementSnapshot()).Tags["transport"]);
        // Reading again, the slow client gets what was already on its way, then the end of the stream.
        Assert.Equal(StreamEnd.Completed, await slow.EndsAsync());
        Assert.True(published > QueueCapacity);
    }

    [Fact]
    public async Task WebSocketSubscriberThatStopsReading_IsDroppedWith1008WhileHealthyOneReceivesEverything()
    {
        using var dropped = DroppedCounter();
        using var slow = await WebSocketTestClient.ConnectAsync(_gateway);
        using var healthy = await WebSocketTestClient.ConnectAsync(_gateway);

        await PublishUntilOneIsDroppedAsync(async expected =>
            Assert.Equal(expected.Data, await healthy.ReceiveTextAsync()));

        await healthy.SendTextAsync("after the drop");
        Assert.Equal("after the drop", await healthy.ReceiveTextAsync());
        Assert.Equal("ws", Assert.Single(dropped.GetMeasurementSnapshot()).Tags["transport"]);
        // A client that never reads again never lets the close frame through: past the close timeout
        // the server aborts the connection, so reading now ends in a close frame or a broken socket.
        _gateway.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await slow.EndsAsync() is WebSocketCloseStatus.PolicyViolation or null, "neither the slow-consumer close nor a broken socket");
    }

    [Fact]
    public async Task WebSocketSubscriberWhoseQueueOverflows_IsClosedWith1008AfterWhatWasSent()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Hub:SubscriberQueueCapacity"] = "1",
            ["PushGateway:Ticker:Enabled"] = "false",
        });
        using var client = await WebSocketTestClient.ConnectAsync(gateway);

        // One slot and a burst: the queue overflows long before the socket is anywhere near full.
        for (var i = 0; i < 1000 && gateway.Hub.SubscriberCount == 1; i++)
        {
            gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"burst {i}");
        }

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(0, gateway.Hub.SubscriberCount);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("too slow: send queue overflowed", description);
    }

    /// <summary>
    /// Publishes in batches smaller than the queue, waiting after each for the healthy subscriber to
    /// receive it, until the slow one is dropped; returns how many messages that took.
    /// </summary>
    private async Task<int> PublishUntilOneIsDroppedAsync(Func<GatewayMessage, Task> healthyReceives)
    {
        Assert.Equal(2, _gateway.Hub.SubscriberCount);
        var published = 0;
        for (var batch = 0; _gateway.Hub.SubscriberCount == 2; batch++)
        {
            Assert.True(batch < MaxBatches, "the slow subscriber was never dropped");
            var messages = Enumerable.Range(0, Batch)
                .Select(i => _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"{published + i}:{Payload}"))
                .ToList();
            published += Batch;
            foreach (var message in messages)
            {
                await healthyReceives(message);
            }
        }

        Assert.Equal(1, _gateway.Hub.SubscriberCount);
        return published;
    }

    private MetricCollector<long> DroppedCounter() =>
        new(_gateway.Services.GetRequiredService<IMeterFactory>(), "PushGateway", "pushgateway.subscribers.dropped");
}
