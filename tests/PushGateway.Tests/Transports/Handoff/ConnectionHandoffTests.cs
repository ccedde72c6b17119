using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.Handoff;

/// <summary>
/// An HTTP/1.1 stream leaves Kestrel's HTTP layer once its head is sent: its request ends at once, and the stream goes
/// on, framing its own chunks, on the bare connection. HTTP/1.0 has no chunks: such a stream stays in its request.
/// Read off the wire, as a client's HTTP stack would hide the framing.
/// </summary>
public sealed class ConnectionHandoffTests : IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        // A stream's request line (200, Debug): logged when its request ends.
        ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Debug",
    });

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Sse_OverHttp11_ItsRequestEndsAtTheHead_AndTheStreamGoesOnInChunksOfItsOwn()
    {
        using var client = await RawHttp.SendAsync(_gateway, "GET /sse?topic=news HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var head = await client.ReadHeadAsync();

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        // The request is over (logged as done, 200) while the stream stays open.
        var finished = await _gateway.Logs.WaitForAsync(e => LogCapture.IsRequestCompleted(e, "/sse"));
        Assert.Equal(200, LogCapture.StatusCode(Assert.Single(finished)));

        Assert.Equal("retry: 3000\n\n", await client.ReadChunkAsync());
        _gateway.Hub.Publish("news", "update", "after the request ended");
        Assert.Matches("^event: update\nid: .+\ndata: after the request ended\n\n$", await client.ReadChunkAsync());
    }

    [Fact]
    public async Task Sse_OverHttp10_StaysInItsRequest_WithoutChunks()
    {
        using var client = await RawHttp.SendAsync(_gateway, "GET /sse?topic=news HTTP/1.0\r\nHost: localhost\r\n\r\n");
        var head = await client.ReadHeadAsync();

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.DoesNotContain("chunked", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("retry: 3000\n\n", await client.ReadAsync("retry: 3000\n\n".Length));
        _gateway.Hub.Publish("news", "update", "in the request");
        var frame = await client.ReadUntilAsync("\n\n");
        Assert.Matches("^event: update\nid: .+\ndata: in the request\n\n$", frame);
        Assert.DoesNotContain(_gateway.Logs.Events, e => LogCapture.IsRequestCompleted(e, "/sse"));
    }

    /// <summary>A request written by hand on a socket, its answer read byte by byte.</summary>
    private sealed class RawHttp : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;

        private RawHttp(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<RawHttp> SendAsync(GatewayFactory gateway, string request)
        {
            var client = new TcpClient();
            await client.ConnectAsync(gateway.HttpAddress.Host, gateway.HttpAddress.Port, TestTimeout.Token());
            var raw = new RawHttp(client);
            await raw._stream.WriteAsync(Encoding.ASCII.GetBytes(request), TestTimeout.Token());
            return raw;
        }

        public Task<string> ReadHeadAsync() => ReadUntilAsync("\r\n\r\n");

        /// <summary>One HTTP/1.1 chunk's data, its framing checked.</summary>
        public async Task<string> ReadChunkAsync()
        {
            var size = int.Parse((await ReadUntilAsync("\r\n")).TrimEnd(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var data = await ReadAsync(size);
            Assert.Equal("\r\n", await ReadAsync(2));
            return data;
        }

        public async Task<string> ReadUntilAsync(string end)
        {
            var text = new StringBuilder();
            while (!text.ToString().EndsWith(end, StringComparison.Ordinal))
            {
                text.Append(await ReadAsync(1));
            }

            return text.ToString();
        }

        public async Task<string> ReadAsync(int count)
        {
            var buffer = new byte[count];
            await _stream.ReadExactlyAsync(buffer, TestTimeout.Token());
            return Encoding.UTF8.GetString(buffer);
        }

        public void Dispose() => _client.Dispose();
    }
}
