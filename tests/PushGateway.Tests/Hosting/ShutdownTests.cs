using System.Net.WebSockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_ClosesWebSocketsWith1001AndEndsEventStreams()
    {
        var gateway = new GatewayFactory();
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);
        await using var sse = await SseTestClient.ConnectAsync(gateway);

        var stopping = gateway.DisposeAsync().AsTask();

        var (status, description) = await ws.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Equal("server shutting down", description);
        await ws.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        Assert.True(await sse.EndsAsync());
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_WithClientThatNeverAnswersTheClose_AbortsItAfterCloseTimeout()
    {
        var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:WebSockets:CloseTimeout"] = "00:00:03" });
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);

        var stopping = gateway.DisposeAsync().AsTask();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await ws.ReceiveCloseAsync()).Status);
        Assert.False(stopping.IsCompleted);

        // The client keeps silent; only the close timeout (on the fake clock) lets the server finish.
        gateway.Time.Advance(TimeSpan.FromSeconds(3));
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }
}
