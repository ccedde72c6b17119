using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare TCP socket: it sends whatever bytes a test builds (masked or not,
/// well-formed or not, see <see cref="ClientFrame"/>) and reads the server's frames itself.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawWebSocket(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>The server's 101 response: status line and headers.</summary>
    public string ResponseHead { get; private set; } = string.Empty;

    /// <summary>True once a read found the connection reset rather than closed.</summary>
    public bool WasReset { get; private set; }

    /// <summary>
    /// Connects and upgrades; <paramref name="receiveBufferSize"/> is set before connecting, so the TCP window stays that small;
    /// <paramref name="extensions"/> is sent as <c>Sec-WebSocket-Extensions</c>.
    /// </summary>
    public static async Task<RawWebSocket> ConnectAsync(
        GatewayFactory gateway, string path = "/ws", int? receiveBufferSize = null, string? extensions = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        RawWebSocket? client = null;
        try
        {
            var port = gateway.HttpAddress.Port;
            await socket.ConnectAsync(IPAddress.Loopback, port, TestTimeout.Token());
            client = new RawWebSocket(socket);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await client.SendAsync(Encoding.ASCII.GetBytes(
                $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
                (extensions is null ? string.Empty : $"Sec-WebSocket-Extensions: {extensions}\r\n") + "\r\n"));
            var head = client.ResponseHead = await client.ReadResponseHeadAsync();
            Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
            return client;
        }
        catch
        {
            client?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes, TestTimeout.Token());

    /// <summary>Sends unless the server has closed the connection already.</summary>
    public async Task TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await SendAsync(bytes);
        }
        catch (IOException)
        {
            // Closed or reset by the server.
        }
    }

    /// <summary>The next frame from the server, or null when the connection ends (closed or reset).</summary>
    public async Task<ServerFrame?> ReadFrameAsync()
    {
        if (!await FillAsync(2))
        {
            return null;
        }

        var first = _buffer[_start];
        var length = (long)(_buffer[_start + 1] & 0x7F);
        Assert.Equal(0, _buffer[_start + 1] & 0x80); // a server never masks
        var header = length switch { 126 => 4, 127 => 10, _ => 2 };
        if (!await FillAsync(header))
        {
            return null;
        }

        length = length switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2)),
            127 => BinaryPrimitives.ReadInt64BigEndian(_buffer.AsSpan(_start + 2)),
            _ => length,
        };
        Assert.InRange(length, 0, _buffer.Length - header);
        if (!await FillAsync(header + (int)length))
        {
            return null;
        }

        var frame = new ServerFrame(first, _buffer.AsSpan(_start + header, (int)length).ToArray());
        _start += header + (int)length;
        return frame;
    }

    /// <summary>
    /// Reads until the server's close frame, skipping messages; its code and reason, or null if the
    /// connection ended without one.
    /// </summary>
    public async Task<(int? Code, string Reason)?> ReadCloseAsync()
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == 0x8)
            {
                return frame.Payload.Length >= 2
                    ? (BinaryPrimitives.ReadUInt16BigEndian(frame.Payload), Encoding.UTF8.GetString(frame.Payload, 2, frame.Payload.Length - 2))
                    : (null, string.Empty);
            }
        }

        return null;
    }

    /// <summary>Reads until the server ends the TCP connection: <see cref="StreamEnd.Completed"/> for a FIN, <see cref="StreamEnd.Aborted"/> for a reset.</summary>
    public async Task<StreamEnd> EndsAsync()
    {
        while (await ReadFrameAsync() is not null)
        {
        }

        return WasReset ? StreamEnd.Aborted : StreamEnd.Completed;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    private async Task<string> ReadResponseHeadAsync()
    {
        while (true)
        {
            var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(_buffer, _start, end);
                _start += end + 4;
                return head;
            }

            Assert.True(await FillAsync(_end - _start + 1), "the connection ended before the response head");
        }
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false if the connection ends first.</summary>
    private async Task<bool> FillAsync(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        (_start, _end) = (0, _end - _start);
        while (_end < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), TestTimeout.Token());
            }
            catch (IOException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                WasReset = true;
                return false;
            }

            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }
}
