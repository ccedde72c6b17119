using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PushGateway.Security;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class ConnectionLimitsTests
{
    private static readonly byte[] HealthRequest = Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");

    [Fact]
    public async Task Streams_PastTheStreamCap_Get503WithRandomRetryAfter_AndPublishingGoesOn()
    {
        // 20 connections, 18 of them kept for short requests: two streams fit.
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Limits:MaxConcurrentConnections"] = "20",
            ["PushGateway:Limits:ReservedConnections"] = "18",
        });
        Assert.Equal(20, gateway.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxConcurrentConnections);
        await using var first = await SseTestClient.ConnectAsync(gateway, "sse?topic=news");
        using var second = await WebSocketTestClient.ConnectAsync(gateway, path: "ws?topic=news");
        using var http = gateway.CreateHttpClient();

        using var third = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(gateway.WebSocketAddress, TestTimeout.Token()));
        using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "still here")]), TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(third, HttpStatusCode.ServiceUnavailable, "At capacity");
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, StreamAdmission.MinRetrySeconds, StreamAdmission.MaxRetrySeconds);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, socket.HttpStatusCode);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("still here", (await first.NextAsync()).Data);
        Assert.Equal("still here", await second.ReceiveTextAsync());
    }

    [Fact]
    public async Task Streams_AfterOneCloses_AreAdmittedAgain()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Limits:MaxConcurrentConnections"] = "20",
            ["PushGateway:Limits:ReservedConnections"] = "19",
        });
        var first = await SseTestClient.ConnectAsync(gateway, "sse?topic=news");
        using var http = gateway.CreateHttpClient();
        using (var refused = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        await first.DisposeAsync();

        // The slot is given back when the server sees the stream end, which no event announces to the client.
        await Eventually.ReachAsync(async () =>
        {
            using var response = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
            return response.StatusCode == HttpStatusCode.OK;
        }, "a stream admitted after the first one closed");
    }

    [Fact]
    public async Task BareConnections_PastThePerAddressCap_AreClosedAtOnce_WhileOtherAddressesAreServed()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Limits:MaxSocketsPerAddress"] = "5" });
        var port = gateway.HttpAddress.Port;
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                clients.Add(await ConnectFromAsync(IPAddress.Loopback, port));
            }

            using var other = await ConnectFromAsync(IPAddress.Parse("127.0.0.2"), port);

            // The server may admit the six in any order: whichever it refused is closed, the other five are served.
            var reads = clients.Select(ReadAsync).ToList();
            var refused = await Task.WhenAny(reads);
            Assert.Equal(0, await refused);
            foreach (var (client, read) in clients.Zip(reads).Where(pair => pair.Second != refused))
            {
                await client.GetStream().WriteAsync(HealthRequest, TestTimeout.Token());
                Assert.True(await read > 0, "an admitted connection was closed");
            }

            Assert.StartsWith("HTTP/1.1 200", await GetAsync(other, "/healthz"), StringComparison.Ordinal);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task IdleConnections_NearTheConnectionCap_TheOldestIsClosedToMakeRoom_AndStreamsAreKept()
    {
        // Room is made 8 below the cap of 40, at 32 open connections; Kestrel's own count (which holds a closed
        // connection until its socket is gone) stays below 40 meanwhile.
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Limits:MaxConcurrentConnections"] = "40",
            ["PushGateway:Limits:ReservedConnections"] = "20",
        });
        await using var subscriber = await SseTestClient.ConnectAsync(gateway, "sse?topic=news");
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 35; i++)
            {
                idle.Add(await ConnectFromAsync(IPAddress.Loopback, gateway.HttpAddress.Port));
            }

            using var http = gateway.CreateHttpClient();
            using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "made room")]), TestTimeout.Token());

            // The oldest admitted (the server may admit them in any order) was closed to make room.
            Assert.Equal(0, await await Task.WhenAny(idle.Select(ReadAsync)));
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            Assert.Equal("made room", (await subscriber.NextAsync()).Data);
        }
        finally
        {
            idle.ForEach(client => client.Dispose());
        }
    }

    internal static async Task<TcpClient> ConnectFromAsync(IPAddress local, int port)
    {
        var client = new TcpClient(new IPEndPoint(local, 0));
        await client.ConnectAsync(IPAddress.Loopback, port, TestTimeout.Token());
        return client;
    }

    /// <summary>Bytes read; 0 when the server closed the connection, and a reset counts as closed too.</summary>
    internal static async Task<int> ReadAsync(TcpClient client)
    {
        try
        {
            return await client.GetStream().ReadAsync(new byte[256], TestTimeout.Token());
        }
        catch (IOException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return 0;
        }
    }

    internal static async Task<string> GetAsync(TcpClient client, string path)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"), TestTimeout.Token());
        var buffer = new byte[1024];
        var read = await stream.ReadAsync(buffer, TestTimeout.Token());
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
