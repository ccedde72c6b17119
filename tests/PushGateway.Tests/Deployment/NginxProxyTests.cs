using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PushGateway.Tests.Infrastructure;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Tests.Deployment;

/// <summary>
/// The nginx settings the compose deployment ships (<c>deploy/nginx/</c>), in a real nginx in front of real nodes:
/// what a failover and a drain look like to clients that go through the proxy.
/// </summary>
public sealed class NginxProxyTests
{
    [Fact]
    public async Task DrainingNode_LeavesTheRotation_NewStreamsAndSocketsLandOnTheNodeThatStays()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["PushGateway:Redis:Configuration"] = redis.Configuration,
            ["PushGateway:Ticker:Enabled"] = "false",
        };
        await using var staying = new GatewayFactory(settings);
        var draining = new GatewayFactory(new Dictionary<string, string?>(settings)
        {
            // The drain lasts until the test moves the node's fake clock through it.
            ["PushGateway:Shutdown:DrainWindow"] = "00:00:10",
            ["PushGateway:Shutdown:DrainInterval"] = "00:00:10",
        });
        await using var proxy = await NginxProxy.StartAsync(draining.HttpAddress.Authority, staying.HttpAddress.Authority);
        using var drainingHttp = draining.CreateHttpClient();
        using var stayingHttp = staying.CreateHttpClient();
        // One connection on the draining node from before, so that its drain waits for the clock.
        await using var stayingBehind = await SseTestClient.ConnectAsync(draining, "sse?topic=news");
        var stopping = draining.DisposeAsync().AsTask();
        await Eventually.ReachAsync(async () => await StatusAsync(drainingHttp, "readyz") == HttpStatusCode.ServiceUnavailable, "the node drains");

        // nginx's round-robin offers half of these to the draining node, which answers 503: each must be passed on.
        var streams = new List<SseTestClient>();
        var sockets = new List<WebSocketTestClient>();
        for (var i = 0; i < 6; i++)
        {
            streams.Add(await SseTestClient.ConnectAsync(proxy.HttpAddress, "sse?topic=news"));
            sockets.Add(await WebSocketTestClient.ConnectAsync(new Uri(proxy.WebSocketAddress + "?topic=news")));
        }

        await Eventually.ReachAsync(async () => await ConnectionsAsync(stayingHttp) == (6, 6), "6 streams and 6 sockets on the node that stays");
        Assert.Equal((1, 0), await ConnectionsAsync(drainingHttp));

        // Through the proxy, unbuffered, to every one of them (whichever node took the publish: the draining one still does).
        using var published = await new HttpClient { BaseAddress = proxy.HttpAddress }.PostAsync("publish",
            new FormUrlEncodedContent([new("topic", "news"), new("data", "through nginx")]), TestTimeout.Token());
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        foreach (var stream in streams)
        {
            Assert.Equal("through nginx", (await stream.NextAsync()).Data);
        }

        foreach (var socket in sockets)
        {
            Assert.Equal("through nginx", await socket.ReceiveTextAsync());
            socket.Dispose();
        }

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        draining.Time.Advance(TimeSpan.FromSeconds(10));
        await stopping;
    }

    [Fact]
    public async Task UnreachableNode_RequestsGoToTheOtherAfterTheConnectTimeout()
    {
        await using var staying = new GatewayFactory();
        using var blackHole = await BlackHole.OpenAsync();
        await using var proxy = await NginxProxy.StartAsync(blackHole.Address, staying.HttpAddress.Authority);
        using var http = new HttpClient { BaseAddress = proxy.HttpAddress };

        // Round-robin sends the first to the address where a connect hangs, as at a node that died with its host.
        // nginx gives up on it after proxy_connect_timeout (2 s; its default, 60 s, outlasts the test's timeout)
        // and answers from the node left.
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StatusAsync(http, "healthz")));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Contains("upstream timed out (110: Connection timed out) while connecting to upstream", proxy.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedReadTimeout_OutlastsTheGatewaysHeartbeatAndPing_Twice()
    {
        // nginx closes a stream silent for proxy_read_timeout: a live node must never be that quiet, even with one
        // heartbeat or ping late. (Timing it through nginx would take the timeout's 75 s.)
        var shipped = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "nginx", "proxy.conf"));
        var readTimeout = TimeSpan.FromSeconds(int.Parse(
            Regex.Match(shipped, @"^proxy_read_timeout (\d+)s;", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture));

        Assert.True(readTimeout >= 2 * new SseTransportOptions().HeartbeatInterval);
        Assert.True(readTimeout >= 2 * new WebSocketTransportOptions().KeepAliveInterval);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, TestTimeout.Token());
        return response.StatusCode;
    }

    private static async Task<(int Sse, int Ws)> ConnectionsAsync(HttpClient node)
    {
        var connections = (await node.GetFromJsonAsync<JsonElement>("stats", TestTimeout.Token())).GetProperty("connections");
        // A transport with no connection is left out.
        return (Count("sse"), Count("ws"));

        int Count(string transport) => connections.TryGetProperty(transport, out var count) ? count.GetInt32() : 0;
    }

    /// <summary>
    /// A loopback address where a connect is neither accepted nor refused: a listener whose accept queue is full, so
    /// the kernel drops every further SYN, as nothing answers for a host that is gone.
    /// </summary>
    private sealed class BlackHole : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _queued = [];

        private BlackHole()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(0);
        }

        public string Address => _listener.LocalEndPoint!.ToString()!;

        public static async Task<BlackHole> OpenAsync()
        {
            var hole = new BlackHole();
            while (true)
            {
                Assert.True(hole._queued.Count < 16, "the listener's accept queue never filled up");
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await client.ConnectAsync(hole._listener.LocalEndPoint!, patience.Token);
                    hole._queued.Add(client);
                }
                catch (OperationCanceledException)
                {
                    // This connect hung: the queue is full.
                    client.Dispose();
                    return hole;
                }
            }
        }

        public void Dispose()
        {
            foreach (var socket in _queued)
            {
                socket.Dispose();
            }

            _listener.Dispose();
        }
    }
}
