using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

public sealed class ShutdownTests
{
    private const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;
    private const string RestartReason = "server restarting: reconnect";

    /// <summary>The default <c>Shutdown:SseRetryMinimum</c>: the floor of the random <c>retry:</c>.</summary>
    private static readonly TimeSpan RetryMinimum = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Stop_ClosesConnectionsInPacedBatchesOverTheDrainWindow()
    {
        const int perTransport = 6, batches = 4;
        var window = TimeSpan.FromSeconds(1);
        var step = window / batches;
        var gateway = new GatewayFactory(DrainSettings(window, step));
        using var http = gateway.CreateHttpClient();
        var start = gateway.Time.GetUtcNow();
        var closed = new ClosedCounter();
        var webSockets = new List<WebSocketTestClient>();
        var streams = new List<SseTestClient>();
        for (var i = 0; i < perTransport; i++)
        {
            webSockets.Add(await WebSocketTestClient.ConnectAsync(gateway));
            streams.Add(await SseTestClient.ConnectAsync(gateway));
        }

        var wsReaders = webSockets.Select(ws => ReadWebSocketAsync(ws, gateway.Time, closed)).ToList();
        var sseReaders = streams.Select(sse => ReadSseAsync(sse, gateway.Time, closed)).ToList();

        var stopping = gateway.DisposeAsync().AsTask();

        // Not ready at once, and saying why, while every connection is still open and new ones are answered.
        await Eventually.ReachAsync(async () => await StatusAsync(http, "readyz") == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
        using (var readiness = await http.GetAsync("readyz", TestTimeout.Token()))
        {
            Assert.Contains(
                """{"name":"drain","status":"Degraded","description":"shutting down: draining connections"}""",
                await readiness.Content.ReadAsStringAsync(TestTimeout.Token()),
                StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, "healthz"));
        Assert.Equal(0, closed.Count);
        await AssertStreamsRefusedAsync(gateway, http);

        for (var batch = 1; batch <= batches; batch++)
        {
            // Published during the drain: it reaches every connection still open, the batch closing next included.
            using var published = await PublishAsync(http, $"during the drain {batch}");
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);

            gateway.Time.Advance(step);
            var expected = 2 * perTransport * batch / batches;
            await Eventually.ReachAsync(() => Task.FromResult(closed.Count >= expected), $"{expected} connections closed");
            Assert.Equal(expected, closed.Count);
        }

        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);

        var webSocketsClosed = await Task.WhenAll(wsReaders);
        var streamsClosed = await Task.WhenAll(sseReaders);
        var all = webSocketsClosed.Select(ws => (ws.ClosedAt, ws.Messages)).Concat(streamsClosed.Select(sse => (sse.ClosedAt, sse.Messages))).ToList();
        Assert.Equal(
            Enumerable.Range(1, batches).Select(batch => start + step * batch),
            all.Select(client => client.ClosedAt).Distinct().Order());
        Assert.All(all.GroupBy(client => client.ClosedAt), group => Assert.Equal(2 * perTransport / batches, group.Count()));
        Assert.All(all, client => Assert.Equal(
            Enumerable.Range(1, (int)((client.ClosedAt - start) / step)).Select(batch => $"during the drain {batch}"),
            client.Messages));
        Assert.All(webSocketsClosed, ws => Assert.Equal((ServiceRestart, RestartReason), (ws.Status, ws.Description)));
        // The closes are spread over the window already: each client is told to come back after the floor and at most one
        // batch interval more, so every one is back by the end of the window plus that (not up to twice the window).
        Assert.All(streamsClosed, sse => Assert.InRange(sse.Retry, RetryMinimum, RetryMinimum + step));
        Assert.All(streamsClosed, sse => Assert.True(sse.ClosedAt - start + sse.Retry <= window + RetryMinimum + step, $"closed at {sse.ClosedAt - start}, retry {sse.Retry}"));
        Assert.True(streamsClosed.Select(sse => sse.Retry).Distinct().Count() > 1, "the retry is drawn at random");
        // A draining node is not an error: readiness is degraded, not unhealthy, and nothing was dropped as slow.
        Assert.Empty(gateway.Logs.Errors);
        Assert.DoesNotContain(gateway.Logs.Events, e => e.MessageTemplate.Text.Contains("slow subscriber", StringComparison.Ordinal));

        foreach (var ws in webSockets)
        {
            ws.Dispose();
        }

        foreach (var sse in streams)
        {
            await sse.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stop_AtTheEndOfTheDrain_RefusesNewPublishesAndDeliversThoseInFlightBeforeTheLastCloses()
    {
        var window = TimeSpan.FromSeconds(1);
        var gateway = new GatewayFactory(DrainSettings(window, window));
        using var http = gateway.CreateHttpClient();
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);
        await using var sse = await SseTestClient.ConnectAsync(gateway);
        var closed = new ClosedCounter();
        var wsReader = ReadWebSocketAsync(ws, gateway.Time, closed);
        var sseReader = ReadSseAsync(sse, gateway.Time, closed);

        // A publish in flight: past the drain's gate (the server asked for the body), its body not yet sent.
        var body = "topic=chat&data=in+flight"u8.ToArray();
        using var publisher = new TcpClient();
        await publisher.ConnectAsync(gateway.HttpAddress.Host, gateway.HttpAddress.Port, TestTimeout.Token());
        var stream = publisher.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + $"Content-Length: {body.Length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"), TestTimeout.Token());
        Assert.StartsWith("HTTP/1.1 100 Continue", await ReadSomeAsync(stream), StringComparison.Ordinal);

        var stopping = gateway.DisposeAsync().AsTask();
        await Eventually.ReachAsync(async () => await StatusAsync(http, "readyz") == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
        gateway.Time.Advance(window);

        // At the end of the window new publishes are refused; the one in flight holds the last closes back.
        HttpResponseMessage? refused = null;
        await Eventually.ReachAsync(
            async () =>
            {
                var response = await PublishAsync(http, "probe");
                (refused, var done) = response.StatusCode == HttpStatusCode.ServiceUnavailable ? (response, true) : (null, false);
                if (!done)
                {
                    response.Dispose();
                }

                return done;
            },
            "a publish refused");
        using (refused)
        {
            await ProblemAssert.IsProblemAsync(refused!, HttpStatusCode.ServiceUnavailable, "Shutting down");
            Assert.InRange(refused!.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        }

        Assert.Equal(0, closed.Count);

        await stream.WriteAsync(body, TestTimeout.Token());
        Assert.StartsWith("HTTP/1.1 200", await ReadSomeAsync(stream), StringComparison.Ordinal);

        var wsClosed = await wsReader;
        var sseClosed = await sseReader;
        Assert.Equal("in flight", wsClosed.Messages.Where(message => message != "probe").Single());
        Assert.Equal("in flight", sseClosed.Messages.Where(message => message != "probe").Single());
        Assert.Equal((ServiceRestart, RestartReason), (wsClosed.Status, wsClosed.Description));
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_SendsWhatWasQueuedToAConnectionBeforeItsClose()
    {
        const int count = 300;
        var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Limits:PublishBurst"] = "1000",
        });
        using var http = gateway.CreateHttpClient();
        // Clients with small receive buffers that read nothing yet: most of what is published waits in the queues.
        using var invoker = new HttpMessageInvoker(SmallReceiveBuffer.Handler(4096));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(gateway.WebSocketAddress, invoker, TestTimeout.Token());
        using var sseHttp = new HttpClient(SmallReceiveBuffer.Handler(4096)) { BaseAddress = gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var sseResponse = await sseHttp.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        var filler = new string('x', 60_000);
        for (var i = 0; i < count; i++)
        {
            using var published = await PublishAsync(http, $"{i} {filler}");
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        var stopping = gateway.DisposeAsync().AsTask();
        await Eventually.ReachAsync(() => Task.FromResult(gateway.Hub.SubscriberCount == 0), "the subscriptions closed");

        var received = new List<string>();
        while ((await ReceiveAsync(ws)) is (WebSocketMessageType.Text, var payload))
        {
            received.Add(Encoding.UTF8.GetString(payload).Split(' ')[0]);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"{i}"), received);
        Assert.Equal(ServiceRestart, ws.CloseStatus);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());

        var parser = SseParser.Create(await sseResponse.Content.ReadAsStreamAsync(TestTimeout.Token()));
        var events = new List<string>();
        await foreach (var item in parser.EnumerateAsync(TestTimeout.Token()))
        {
            events.Add(item.Data.Split(' ')[0]);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"{i}"), events);
        Assert.Equal(RetryMinimum, parser.ReconnectionInterval);
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_WithoutDrainWindow_ClosesEveryoneAtOnce()
    {
        // GatewayFactory's default: a window of 0.
        var gateway = new GatewayFactory();
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);
        await using var sse = await SseTestClient.ConnectAsync(gateway);

        var stopping = gateway.DisposeAsync().AsTask();

        Assert.Equal((ServiceRestart, RestartReason), await ws.ReceiveCloseAsync());
        await ws.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        await sse.ReadToEndAsync();
        Assert.Equal(RetryMinimum, sse.Parser.ReconnectionInterval);
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_WithClientThatNeverAnswersTheClose_AbortsItAfterCloseTimeout()
    {
        var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:WebSockets:CloseTimeout"] = "00:00:03" });
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);

        var stopping = gateway.DisposeAsync().AsTask();
        Assert.Equal(ServiceRestart, (await ws.ReceiveCloseAsync()).Status);
        Assert.False(stopping.IsCompleted);

        // The client keeps silent; only the close timeout (on the fake clock) lets the server finish.
        gateway.Time.Advance(TimeSpan.FromSeconds(3));
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("00:00:05", 30)]
    [InlineData("00:01:00", 70)]
    public async Task ShutdownTimeout_IsRaisedToFitTheDrainAndTheClosingHandshakes(string drainWindow, int expectedSeconds)
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Shutdown:DrainWindow"] = drainWindow });

        var timeout = gateway.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), timeout);
    }

    [Theory]
    [InlineData("PushGateway:Shutdown:DrainWindow", "-00:00:01")]
    [InlineData("PushGateway:Shutdown:DrainInterval", "00:00:00")]
    public void Start_WithABadDrainSetting_Fails(string key, string value)
    {
        var exception = Assert.ThrowsAny<Exception>(() => new GatewayFactory(new Dictionary<string, string?> { [key] = value }).Dispose());

        Assert.IsType<OptionsValidationException>(exception.GetBaseException(), exactMatch: false);
    }

    private static Dictionary<string, string?> DrainSettings(TimeSpan window, TimeSpan interval) => new()
    {
        ["PushGateway:Shutdown:DrainWindow"] = window.ToString(),
        ["PushGateway:Shutdown:DrainInterval"] = interval.ToString(),
        ["PushGateway:Ticker:Enabled"] = "false",
    };

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, TestTimeout.Token());
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> PublishAsync(HttpClient http, string data) =>
        http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "chat"), new("data", data)]), TestTimeout.Token());

    private static async Task AssertStreamsRefusedAsync(GatewayFactory gateway, HttpClient http)
    {
        using var sse = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        await ProblemAssert.IsProblemAsync(sse, HttpStatusCode.ServiceUnavailable, "Shutting down");
        Assert.InRange(sse.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(gateway.WebSocketAddress, TestTimeout.Token()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ws.HttpStatusCode);
        Assert.InRange(int.Parse(ws.HttpResponseHeaders!["Retry-After"].Single(), System.Globalization.CultureInfo.InvariantCulture), 5, 30);
    }

    /// <summary>Messages until the server's close frame, which it answers; when (on the fake clock) the close came.</summary>
    private static async Task<WebSocketClosed> ReadWebSocketAsync(WebSocketTestClient ws, TimeProvider time, ClosedCounter closed)
    {
        var messages = new List<string>();
        while (true)
        {
            var (type, payload) = await ReceiveAsync(ws.Socket);
            if (type == WebSocketMessageType.Close)
            {
                var closedAt = time.GetUtcNow();
                closed.Increment();
                await ws.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
                return new WebSocketClosed(closedAt, messages, ws.Socket.CloseStatus, ws.Socket.CloseStatusDescription);
            }

            messages.Add(Encoding.UTF8.GetString(payload));
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync(ClientWebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, TestTimeout.Token());
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    private static async Task<SseClosed> ReadSseAsync(SseTestClient sse, TimeProvider time, ClosedCounter closed)
    {
        var items = await sse.ReadToEndAsync();
        var closedAt = time.GetUtcNow();
        closed.Increment();
        return new SseClosed(closedAt, [.. items.Select(item => item.Data)], sse.Parser.ReconnectionInterval);
    }

    private static async Task<string> ReadSomeAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, TestTimeout.Token());
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private sealed record WebSocketClosed(DateTimeOffset ClosedAt, List<string> Messages, WebSocketCloseStatus? Status, string? Description);

    private sealed record SseClosed(DateTimeOffset ClosedAt, List<string> Messages, TimeSpan Retry);

    private sealed class ClosedCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }
}
