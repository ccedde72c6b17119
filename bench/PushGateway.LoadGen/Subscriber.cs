using System.Net;
using System.Net.Sockets;

namespace PushGateway.LoadGen;

/// <summary>
/// One subscriber on a raw socket: the protocol's handshake, then a receive loop that finds the
/// payload records in the byte stream and reports each one to the ledger and the latency recorder.
/// </summary>
internal sealed class Subscriber(Protocol protocol, int port, string path, DeliveryLedger? ledger) : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly byte[] _buffer = new byte[BufferSize];
    private ChunkedDecoder? _chunks;

    public bool IsSignalR => protocol == Protocol.SignalR;

    public Socket Socket => _socket;

    /// <summary>Connects and completes the handshake; returns the body bytes already received.</summary>
    public async Task<int> ConnectAsync(CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        var (request, status) = protocol switch
        {
            Protocol.WebSocket or Protocol.SignalR => (Wire.UpgradeRequest(path, port), "HTTP/1.1 101"),
            Protocol.PushGatewayV1 => (Wire.UpgradeRequest(path, port, Wire.PushGatewayV1), "HTTP/1.1 101"),
            Protocol.Sse => (Wire.EventStreamRequest(path, port), "HTTP/1.1 200"),
            Protocol.RawTcp => ([], ""),
            _ => throw new InvalidOperationException($"{protocol} is not a subscriber protocol."),
        };

        if (protocol == Protocol.RawTcp)
        {
            return 0;
        }

        var (leftover, chunked) = await Wire.HandshakeAsync(_socket, request, status, _buffer, cancellationToken).ConfigureAwait(false);
        if (chunked)
        {
            _chunks = new ChunkedDecoder();
            leftover = _chunks.Decode(_buffer, 0, leftover);
        }

        if (protocol is Protocol.SignalR or Protocol.PushGatewayV1)
        {
            var frame = new byte[64];
            var length = Wire.WriteMaskedTextFrame(frame, protocol == Protocol.SignalR ? Wire.SignalRHandshake : Wire.PushGatewayV1Subscribe);
            await _socket.SendAsync(frame.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        return leftover;
    }

    public void Dispose() => _socket.Dispose();

    public async Task ReceiveAsync(int pending)
    {
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(pending), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                var end = pending + read;
                if (_chunks is not null)
                {
                    end = _chunks.Decode(_buffer, pending, end);
                }

                pending = Scan(end);
            }
        }
        catch (SocketException)
        {
            // Closed by the server (a dropped slow subscriber, or the contestant stopping).
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Counts the complete records in <c>_buffer[..end)</c>; moves a partial one to the front.</summary>
    private int Scan(int end)
    {
        if (end == 0)
        {
            return 0;
        }

        var data = _buffer.AsSpan(0, end);
        var position = 0;
        var found = 0;
        while (true)
        {
            var offset = data[position..].IndexOf(Payload.Marker);
            if (offset < 0)
            {
                // A lone '@' at the end may be the first half of the next marker.
                position = data[^1] == (byte)'@' ? end - 1 : end;
                break;
            }

            var start = position + offset;
            if (start + Payload.RecordLength > end)
            {
                position = start;
                break;
            }

            if (Payload.TryRead(data.Slice(start, Payload.RecordLength), out var sequence, out var sentAt))
            {
                found++;
                LatencyRecorder.Record(Payload.MicrosecondsSince(sentAt));
                ledger?.Received(sequence);
                position = start + Payload.RecordLength;
            }
            else
            {
                position = start + 1;
            }
        }

        if (found > 0)
        {
            ledger?.AddDelivered(found);
        }

        var keep = end - position;
        data[position..].CopyTo(_buffer);
        return keep;
    }
}
