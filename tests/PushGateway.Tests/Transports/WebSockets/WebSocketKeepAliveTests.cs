using System.Globalization;
using System.Text;
using PushGateway.Tests.Infrastructure;
using static PushGateway.Tests.Infrastructure.ClientFrame;

namespace PushGateway.Tests.Transports.WebSockets;

/// <summary>
/// <c>KeepAliveInterval</c> and <c>KeepAliveTimeout</c>: the server pings, and aborts a connection whose pong is
/// late. The runtime's WebSocket keeps that time itself, on the real clock (not the gateway's TimeProvider), so
/// these tests use short real intervals and await what the client sees.
/// </summary>
public sealed class WebSocketKeepAliveTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(1);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:WebSockets:KeepAliveInterval"] = Interval.ToString("c", CultureInfo.InvariantCulture),
        ["PushGateway:WebSockets:KeepAliveTimeout"] = KeepAliveTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["PushGateway:Ticker:Enabled"] = "false",
        // The one line per closed connection, to check what it says.
        ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Pings_ComeEveryInterval_AndAnsweredOnesKeepTheSocketOpenPastTheTimeout()
    {
        using var client = await RawWebSocket.ConnectAsync(_gateway);
        var started = DateTimeOffset.UtcNow;

        // Answered for twice the keep-alive timeout: the socket must outlive it.
        var pings = 0;
        while (DateTimeOffset.UtcNow - started < 2 * KeepAliveTimeout)
        {
            var ping = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
            Assert.Equal(Ping, ping.Opcode);
            await client.SendAsync(Build(Fin | Pong, ping.Payload));
            pings++;
        }

        await client.SendAsync(Build(Fin | Text, "still here"u8));

        Assert.Equal("still here", await ReadTextSkippingPingsAsync(client));
        Assert.True(pings >= 2, $"{pings} pings");
    }

    [Fact]
    public async Task UnansweredPing_AbortsTheConnection_WhileAClientThatAnswersStays()
    {
        using var answering = await WebSocketTestClient.ConnectAsync(_gateway);
        // ClientWebSocket answers pings while a receive is pending.
        var echo = answering.ReceiveTextAsync();
        using var silent = await RawWebSocket.ConnectAsync(_gateway);

        Assert.Equal(Ping, Assert.IsType<ServerFrame>(await silent.ReadFrameAsync()).Opcode);

        // Not a close: an abort, without a close frame.
        Assert.Null(await silent.ReadCloseAsync());
        var close = Assert.Single(await _gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason")));
        Assert.StartsWith("\"aborted", close.Properties["CloseReason"].ToString(), StringComparison.Ordinal);
        Assert.Empty(_gateway.Logs.Errors);
        await answering.SendTextAsync("still here");
        Assert.Equal("still here", await echo);
    }

    private static async Task<string> ReadTextSkippingPingsAsync(RawWebSocket client)
    {
        while (true)
        {
            var frame = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
            if (frame.Opcode != Ping)
            {
                Assert.Equal(Fin | Text, frame.First);
                return Encoding.UTF8.GetString(frame.Payload);
            }

            await client.SendAsync(Build(Fin | Pong, frame.Payload));
        }
    }
}
