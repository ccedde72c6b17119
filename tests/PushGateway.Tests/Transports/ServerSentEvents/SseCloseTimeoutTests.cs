using System.Globalization;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

/// <summary>
/// <c>Sse:CloseTimeout</c>: a stream the gateway ends whose client stopped reading cannot finish its last writes;
/// after the close timeout the connection is aborted rather than held forever.
/// </summary>
public sealed class SseCloseTimeoutTests
{
    // 256 × 64 KiB: 16 MiB queued, far more than the loopback socket buffers and Kestrel's response pipe hold.
    private const int Messages = 256;
    private static readonly string Payload = new('x', 64 * 1024);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task EndedStream_WhoseClientStoppedReading_IsAbortedAfterTheCloseTimeout()
    {
        var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Hub:SubscriberQueueCapacity"] = "1024",
            ["PushGateway:Sse:CloseTimeout"] = CloseTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["PushGateway:Ticker:Enabled"] = "false",
            // The one line per closed connection, to check what it says.
            ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
        });
        // A small receive window that is never read.
        await using var stalled = await SseTestClient.ConnectAsync(gateway, "sse?topic=chat", receiveBufferSize: 4096);
        for (var i = 0; i < Messages; i++)
        {
            gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"{i}:{Payload}");
        }

        // Stopping ends the stream after what is queued (see "Stopping a node"): writes that cannot all go out. Every
        // path to the end of such a stream waits on a write, so it is certainly stuck when the deadline is armed.
        var stopping = gateway.DisposeAsync().AsTask();
        await gateway.Time.TimerArmedAsync(CloseTimeout);
        gateway.Time.Advance(CloseTimeout);

        var close = Assert.Single(await gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason")));
        Assert.Equal("\"server restarting: reconnect; aborted after the close timeout\"", close.Properties["CloseReason"].ToString());
        // Reading again, the client finds the stream cut off, not ended.
        Assert.Equal(StreamEnd.Aborted, await stalled.EndsAsync());
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        Assert.Empty(gateway.Logs.Errors);
    }
}
