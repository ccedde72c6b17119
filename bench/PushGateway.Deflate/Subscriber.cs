using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace PushGateway.Deflate;

/// <summary>
/// A <c>/ws?topic=chat</c> subscriber on a socket of its own: it makes the handshake itself (offering permessage-deflate
/// when asked, and checking the answer), then reads with the runtime's WebSocket over a <see cref="CountingStream"/>, so
/// the bytes on the wire are counted exactly and every message is inflated and checked for size as a real client would.
/// </summary>
internal sealed class Subscriber : IDisposable
{
    private const string Offer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover";

    private readonly CountingStream _wire;
    private readonly WebSocket _socket;
    private long _messages;
    private long _payloadBytes;

    private Subscriber(CountingStream wire, WebSocket socket)
    {
        _wire = wire;
        _socket = socket;
    }

    public long Messages => Interlocked.Read(ref _messages);

    public long PayloadBytes => Interlocked.Read(ref _payloadBytes);

    public long WireBytes => _wire.BytesRead;

    public static async Task<Subscriber> ConnectAsync(int port, bool compression, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        var wire = new CountingStream(new NetworkStream(socket, ownsSocket: true));
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await wire.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /ws?topic=chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
            (compression ? $"Sec-WebSocket-Extensions: {Offer}\r\n" : string.Empty) + "\r\n"), cancellationToken).ConfigureAwait(false);
        var head = await ReadHeadAsync(wire, cancellationToken).ConfigureAwait(false);
        if (!head.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal) || head.Contains(Offer, StringComparison.Ordinal) != compression)
        {
            throw new InvalidOperationException($"unexpected handshake answer (compression {compression}):\n{head}");
        }

        var webSocket = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions
        {
            IsServer = false,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            DangerousDeflateOptions = compression ? new WebSocketDeflateOptions { ClientContextTakeover = false, ServerContextTakeover = false } : null,
        });
        return new Subscriber(wire, webSocket);
    }

    /// <summary>Reads messages until the socket closes or <paramref name="cancellationToken"/> fires, counting them and their inflated sizes.</summary>
    public async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                Interlocked.Add(ref _payloadBytes, result.Count);
                if (result.EndOfMessage)
                {
                    Interlocked.Increment(ref _messages);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The case is over.
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _wire.Dispose();
    }

    /// <summary>The 101 response up to its blank line, read a byte at a time so that no frame byte is taken with it.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new InvalidOperationException("the connection ended during the handshake");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
