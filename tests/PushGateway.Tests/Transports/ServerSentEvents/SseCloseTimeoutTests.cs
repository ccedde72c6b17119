using System.Globalization;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

/// <summary>
/// <c>Sse:CloseTimeout</c>: a stream the gateway ends (here: a client too slow) whose client stopped reading cannot
/// finish its last write; after the close timeout the connection is aborted rather than held forever.
/// </summary>
public sealed class SseCloseTimeoutTests : IDisposable
{
    private const int QueueCapacity = 8;
    private const int Batch = 4;
    private const int MaxBatches = 4000;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);
    private static readonly string Payload = new('x', 16 * 1024);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Hub:SubscriberQueueCapacity"] = QueueCapacity.ToString(CultureInfo.InvariantCulture),
        ["PushGateway:Sse:CloseTimeout"] = CloseTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["PushGateway:Ticker:Enabled"] = "false",
        // The one line per closed connection, to check what it says.
        ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task DroppedStream_WhoseClientStoppedReading_IsAbortedAfterTheCloseTimeout()
    {
        // A small receive window that is not read: the server's writes soon stop completing.
        await using var stalled = await SseTestClient.ConnectAsync(_gateway, "sse?topic=chat", receiveBufferSize: 4096);
        await using var healthy = await SseTestClient.ConnectAsync(_gateway, "sse?topic=chat");

        // A flood paced by the healthy reader, in batches smaller than the queue: the stalled client's queue
        // overflows only while its stream is stuck in a write, which the drop then leaves unfinished.
        for (var batch = 0; _gateway.Hub.SubscriberCount == 2; batch++)
        {
            Assert.True(batch < MaxBatches, "the stalled client was never dropped");
            var messages = Enumerable.Range(0, Batch).Select(i => _gateway.Hub.Publish(Topics.Chat, EventTypes.Chat, $"{batch}.{i}:{Payload}")).ToList();
            foreach (var message in messages)
            {
                Assert.Equal(message.EventId, (await healthy.NextAsync()).EventId);
            }
        }

        await _gateway.Time.TimerArmedAsync(CloseTimeout);
        _gateway.Time.Advance(CloseTimeout);

        var close = Assert.Single(await _gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason")));
        Assert.Equal("\"aborted: the client did not read in time\"", close.Properties["CloseReason"].ToString());
        // Reading again, the client finds the stream cut off, not ended.
        Assert.Equal(StreamEnd.Aborted, await stalled.EndsAsync());
        Assert.Empty(_gateway.Logs.Errors);
        var after = _gateway.Hub.Publish(Topics.Chat, EventTypes.Chat, "after the abort");
        Assert.Equal(after.EventId, (await healthy.NextAsync()).EventId);
    }
}
