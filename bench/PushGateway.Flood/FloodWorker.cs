using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PushGateway.Flood;

/// <summary>
/// A client process: opens its share of /sse streams, /ws upgrades and bare TCP connections, reads
/// and discards whatever arrives, and closes them all when told to (a line <c>CLOSE</c> on stdin).
/// </summary>
internal static class FloodWorker
{
    private const int ConnectConcurrency = 64;

    /// <summary>Everything received is discarded: one buffer serves every socket.</summary>
    private static readonly byte[] Sink = new byte[64 * 1024];

    public static async Task<int> RunAsync(int port, int sse, int ws, int idle)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var sseRequest = Encoding.ASCII.GetBytes(
            $"GET /sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n");
        var wsRequest = Encoding.ASCII.GetBytes(
            $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var requests = Enumerable.Repeat(sseRequest, sse).Concat(Enumerable.Repeat(wsRequest, ws)).Concat(Enumerable.Repeat(Array.Empty<byte>(), idle));

        var sockets = new List<Socket>(sse + ws + idle);
        var failures = 0;
        string? firstError = null;
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        await Task.WhenAll(requests.Select(async request =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
                if (request.Length > 0)
                {
                    await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    // The response head (101, or 200 and the first event) counts as opened.
                    if (await socket.ReceiveAsync(Sink, SocketFlags.None, timeout.Token).ConfigureAwait(false) == 0)
                    {
                        throw new IOException("closed by the server before answering");
                    }

                    _ = DrainAsync(socket);
                }

                lock (sockets)
                {
                    sockets.Add(socket);
                }
            }
            catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
            {
                socket.Dispose();
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstError, exception.Message, null);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        Console.WriteLine($"OPEN {sockets.Count} {failures} {firstError}");

        if (await Task.Run(Console.In.ReadLineAsync).ConfigureAwait(false) == "CLOSE")
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            Console.WriteLine("CLOSED");
        }

        return 0;
    }

    private static async Task DrainAsync(Socket socket)
    {
        try
        {
            while (await socket.ReceiveAsync(Sink, SocketFlags.None).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Closed by this process at the end, or by the server.
        }
    }
}
