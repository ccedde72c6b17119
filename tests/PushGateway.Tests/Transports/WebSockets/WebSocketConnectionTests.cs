using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;
using Serilog.Events;
using static PushGateway.Tests.Infrastructure.ClientFrame;

namespace PushGateway.Tests.Transports.WebSockets;

public sealed class WebSocketConnectionTests : IDisposable
{
    private const int QueueCapacity = 4;
    private const int MaxMessages = 20_000;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);
    private static readonly string Payload = new('x', 16 * 1024);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Hub:SubscriberQueueCapacity"] = QueueCapacity.ToString(CultureInfo.InvariantCulture),
        ["PushGateway:WebSockets:CloseTimeout"] = CloseTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["PushGateway:Ticker:Enabled"] = "false",
        // The one line per closed connection, to check what it says.
        ["Serilog:MinimumLevel:Override:PushGateway.Observability.ConnectionTracker"] = "Information",
        // A WebSocket's request line (101, Debug: the connection's own close line says more).
        ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Debug",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task SendLoop_StalledSubscribersDroppedThenAbortedMidWrite_EndWithoutErrorOr500()
    {
        // Several at once: whether the write in flight ends before or after the abort disposes the
        // stream under it is a race, which each of them runs.
        const int Stalled = 4;
        var stalled = new List<RawWebSocket>();
        try
        {
            for (var i = 0; i < Stalled; i++)
            {
                // A small receive window that is never read: the server's writes soon stop completing.
                stalled.Add(await RawWebSocket.ConnectAsync(_gateway, receiveBufferSize: 4096));
            }

            using var healthy = await WebSocketTestClient.ConnectAsync(_gateway);

            // A flood paced by the healthy reader: a stalled subscriber's queue overflows only while its
            // writer is stuck in a write, so each is dropped with a write in flight.
            for (var sent = 0; _gateway.Hub.SubscriberCount > 1; sent++)
            {
                Assert.True(sent < MaxMessages, "the stalled subscribers were never dropped");
                var message = _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"{sent}:{Payload}");
                Assert.Equal(message.Data, await healthy.ReceiveTextAsync());
            }

            // Their closing handshakes cannot finish: the close timeout aborts them under those writes.
            _gateway.Time.Advance(CloseTimeout);

            var requests = await _gateway.Logs.WaitForAsync(e => LogCapture.IsRequestCompleted(e, "/ws"), Stalled);
            Assert.All(requests, request => Assert.Equal((101, LogEventLevel.Debug), (LogCapture.StatusCode(request), request.Level)));
            var closes = await _gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason"), Stalled);
            // On a loaded machine a queue can also overflow while its writer waits for a CPU rather than for the
            // socket: that writer's close then goes through before the timeout, and needs no abort.
            Assert.All(closes, close => Assert.Contains(
                close.Properties["CloseReason"].ToString(),
                new[] { "\"1008 too slow: send queue overflowed; aborted after the close timeout\"", "\"1008 too slow: send queue overflowed\"" }));
            Assert.Contains(closes, close => close.Properties["CloseReason"].ToString().Contains("aborted after the close timeout", StringComparison.Ordinal));
            Assert.Empty(_gateway.Logs.Errors);
            await healthy.SendTextAsync("after the drop");
            Assert.Equal("after the drop", await healthy.ReceiveTextAsync());
        }
        finally
        {
            stalled.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task SlowConsumerClose_ComesAfterWhatWasAlreadyOnItsWay()
    {
        using var stalled = await RawWebSocket.ConnectAsync(_gateway, receiveBufferSize: 4096);
        using var healthy = await WebSocketTestClient.ConnectAsync(_gateway);

        // A flood paced by the healthy reader, until the stalled client's queue overflows behind a write in flight.
        var sent = new List<string>();
        for (var i = 0; _gateway.Hub.SubscriberCount > 1; i++)
        {
            Assert.True(i < MaxMessages, "the stalled subscriber was never dropped");
            var message = _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"{i}:{Payload}");
            sent.Add(message.Data);
            Assert.Equal(message.Data, await healthy.ReceiveTextAsync());
        }

        // Reading again (before the close timeout, which the fake clock holds back): whole messages, in order and
        // without a hole, then the close frame.
        var received = new List<string>();
        (int Code, string Reason)? close = null;
        while (close is null && await stalled.ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == Close)
            {
                close = (BinaryPrimitives.ReadUInt16BigEndian(frame.Payload), Encoding.UTF8.GetString(frame.Payload.AsSpan(2)));
            }
            else if (frame.Opcode != Ping)
            {
                Assert.Equal(Fin | Text, frame.First);
                received.Add(Encoding.UTF8.GetString(frame.Payload));
            }
        }

        Assert.Equal((1008, "too slow: send queue overflowed"), close);
        Assert.NotEmpty(received);
        Assert.Equal(sent.Take(received.Count).Select(Number), received.Select(Number));
        Assert.Equal(sent.Take(received.Count), received);
        await stalled.SendAsync(Build(Fin | Close, ClosePayload(1008)));
        Assert.Equal(StreamEnd.Completed, await stalled.EndsAsync());
        Assert.Empty(_gateway.Logs.Errors);

        static string Number(string data) => data[..data.IndexOf(':', StringComparison.Ordinal)];
    }

    [Fact]
    public async Task ReceiveLoop_MessagesArrivingWhileClosing_AreReadThroughToTheClientsClose()
    {
        using var client = await RawWebSocket.ConnectAsync(_gateway);

        await client.SendAsync(Build(Fin | Binary, [1, 2, 3]));
        Assert.Equal((1003, "binary messages are not accepted"), await client.ReadCloseAsync());
        // Sent before the client saw the close: discarded, and the client's close behind them answers the handshake.
        await client.SendAsync((byte[])[.. Build(Fin | Binary, [4]), .. Build(Fin | Text, "late"u8), .. Build(Fin | Close, ClosePayload(1000))]);

        // Without the clock moving: the close timeout plays no part.
        Assert.Equal(StreamEnd.Completed, await client.EndsAsync());
        var close = Assert.Single(await _gateway.Logs.WaitForAsync(e => e.Properties.ContainsKey("CloseReason")));
        Assert.Equal("\"1003 binary messages are not accepted\"", close.Properties["CloseReason"].ToString());
        Assert.Empty(_gateway.Logs.Errors);
    }
}
