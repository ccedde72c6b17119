using System.Net.Sockets;
using System.Text;

namespace PushGateway.LoadGen;

/// <summary>The bytes of each protocol that the generator writes by hand.</summary>
internal static class Wire
{
    public const byte RecordSeparator = 0x1e;

    public static byte[] UpgradeRequest(string path, int port, string? subProtocol = null) => Encoding.ASCII.GetBytes(
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        (subProtocol is null ? "" : $"Sec-WebSocket-Protocol: {subProtocol}\r\n") +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    public const string PushGatewayV1 = "pushgateway.v1.json";

    /// <summary>What a <see cref="Protocol.PushGatewayV1"/> subscriber sends once upgraded: the chat topic, where the publisher sends.</summary>
    public static ReadOnlySpan<byte> PushGatewayV1Subscribe => "{\"type\":\"subscribe\",\"topics\":[\"chat\"]}"u8;

    public static byte[] EventStreamRequest(string path, int port) => Encoding.ASCII.GetBytes(
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n");

    public static byte[] PostHeader(string path, int port, int contentLength) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/plain\r\nContent-Length: {contentLength}\r\n\r\n");

    public static ReadOnlySpan<byte> SignalRHandshake => "{\"protocol\":\"json\",\"version\":1}\u001e"u8;

    public static ReadOnlySpan<byte> SignalRPing => "{\"type\":6}\u001e"u8;

    public static ReadOnlySpan<byte> SignalRInvocationStart => "{\"type\":1,\"target\":\"Broadcast\",\"arguments\":[\""u8;

    public static ReadOnlySpan<byte> SignalRInvocationEnd => "\"]}\u001e"u8;

    /// <summary>
    /// A client-to-server text frame. Clients must mask; an all-zero key is a valid key that leaves
    /// the payload as it is, which spares the generator the XOR.
    /// </summary>
    public static int WriteMaskedTextFrame(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        var header = 0;
        destination[header++] = 0x81;
        if (payload.Length < 126)
        {
            destination[header++] = (byte)(0x80 | payload.Length);
        }
        else
        {
            destination[header++] = 0x80 | 126;
            destination[header++] = (byte)(payload.Length >> 8);
            destination[header++] = (byte)payload.Length;
        }

        destination.Slice(header, 4).Clear();
        header += 4;
        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    /// <summary>
    /// Sends the request and reads the response head; returns how many bytes after the head (the
    /// first body bytes) were left at the start of <paramref name="buffer"/>.
    /// </summary>
    public static async Task<(int Leftover, bool Chunked)> HandshakeAsync(
        Socket socket, ReadOnlyMemory<byte> request, string expectedStatus, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The server closed the connection during the handshake.");
            }

            filled += read;
            var headEnd = buffer.Span[..filled].IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                continue;
            }

            var head = Encoding.ASCII.GetString(buffer.Span[..headEnd]);
            if (!head.StartsWith(expectedStatus, StringComparison.Ordinal))
            {
                throw new IOException($"Handshake refused: {head.Split('\r')[0]}");
            }

            var chunked = head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
            var bodyStart = headEnd + 4;
            buffer[bodyStart..filled].CopyTo(buffer);
            return (filled - bodyStart, chunked);
        }
    }
}
