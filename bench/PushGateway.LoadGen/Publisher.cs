using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PushGateway.LoadGen;

/// <summary>
/// Publishes from a thread of its own on one connection: either keeping a fixed number of messages
/// in flight (a message is in flight until every subscriber has it), or open loop on a fixed
/// schedule, stamping each message with its scheduled time so a stalled server cannot hide its
/// delay (no coordinated omission). Whatever the server sends back is read and thrown away.
/// </summary>
internal sealed class Publisher : IDisposable
{
    private const int MaxBatch = 64;
    private readonly Protocol _protocol;
    private readonly int _port;
    private readonly string _path;
    private readonly SharedCounters _counters;
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly byte[] _sendBuffer = new byte[MaxBatch * 512];
    private readonly byte[] _payload = new byte[Payload.Length];
    private readonly Thread _thread;
    private volatile PublishMode _mode = PublishMode.Paused;
    private volatile bool _stopped;
    private long _sequence;
    private byte[] _postHeader = [];

    public Publisher(Protocol protocol, int port, string path, SharedCounters counters)
    {
        (_protocol, _port, _path, _counters) = (protocol, port, path, counters);
        _thread = new Thread(Run) { IsBackground = true, Name = "publisher" };
    }

    /// <summary>The last sequence number sent; numbers start at 1.</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    public string? Failure { get; private set; }

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _port), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        switch (_protocol)
        {
            case Protocol.WebSocket:
            case Protocol.SignalR:
                await Wire.HandshakeAsync(_socket, Wire.UpgradeRequest(_path, _port), "HTTP/1.1 101", buffer, cancellationToken).ConfigureAwait(false);
                if (_protocol == Protocol.SignalR)
                {
                    var length = Wire.WriteMaskedTextFrame(buffer, Wire.SignalRHandshake);
                    await _socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }

                break;
            case Protocol.RawTcp:
                await _socket.SendAsync("PUB\n"u8.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                break;
            case Protocol.HttpPost:
                _postHeader = Wire.PostHeader(_path, _port, Payload.Length);
                break;
            default:
                throw new InvalidOperationException($"{_protocol} is not a publisher protocol.");
        }

        _ = Task.Run(DrainAsync, CancellationToken.None);
        _thread.Start();
    }

    public void KeepInFlight(int window) => _mode = new PublishMode(window, 0, 0, 0);

    public void PublishAtRate(double perSecond) =>
        _mode = new PublishMode(0, perSecond, Stopwatch.GetTimestamp(), Sequence);

    public void Pause() => _mode = PublishMode.Paused;

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        var signalRPingDue = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        try
        {
            while (!_stopped)
            {
                var mode = _mode;
                var now = Stopwatch.GetTimestamp();
                long due;
                if (mode.Window > 0)
                {
                    due = Math.Min(MaxBatch, mode.Window - (_sequence - _counters.LowestWatermark()));
                }
                else if (mode.PerSecond > 0)
                {
                    var scheduled = mode.StartSequence + (long)((now - mode.StartedAt) * mode.PerSecond / Stopwatch.Frequency);
                    due = Math.Min(MaxBatch, scheduled - _sequence);
                }
                else
                {
                    due = 0;
                }

                if (_protocol == Protocol.SignalR && now > signalRPingDue)
                {
                    var length = Wire.WriteMaskedTextFrame(_sendBuffer, Wire.SignalRPing);
                    _socket.Send(_sendBuffer.AsSpan(0, length));
                    signalRPingDue = now + Stopwatch.Frequency * 10;
                }

                if (due <= 0)
                {
                    // Not Thread.Yield: a spinning publisher would take half of the CPU the subscribers need.
                    Native.SleepMicroseconds(50);
                    continue;
                }

                var filled = 0;
                for (var i = 0; i < due; i++)
                {
                    var sequence = _sequence + 1;
                    var sentAt = mode.PerSecond > 0
                        ? mode.StartedAt + (long)((sequence - mode.StartSequence) * Stopwatch.Frequency / mode.PerSecond)
                        : now;
                    Payload.Write(_payload, sequence, sentAt);
                    filled += Frame(_sendBuffer.AsSpan(filled));
                    Interlocked.Exchange(ref _sequence, sequence);
                }

                _socket.Send(_sendBuffer.AsSpan(0, filled));
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            Failure ??= _stopped ? null : exception.Message;
        }
    }

    private int Frame(Span<byte> destination)
    {
        switch (_protocol)
        {
            case Protocol.WebSocket:
                return Wire.WriteMaskedTextFrame(destination, _payload);
            case Protocol.SignalR:
                Span<byte> invocation = stackalloc byte[256];
                var length = 0;
                Wire.SignalRInvocationStart.CopyTo(invocation);
                length += Wire.SignalRInvocationStart.Length;
                _payload.CopyTo(invocation[length..]);
                length += _payload.Length;
                Wire.SignalRInvocationEnd.CopyTo(invocation[length..]);
                length += Wire.SignalRInvocationEnd.Length;
                return Wire.WriteMaskedTextFrame(destination, invocation[..length]);
            case Protocol.RawTcp:
                _payload.CopyTo(destination);
                destination[_payload.Length] = (byte)'\n';
                return _payload.Length + 1;
            default:
                _postHeader.CopyTo(destination);
                _payload.CopyTo(destination[_postHeader.Length..]);
                return _postHeader.Length + _payload.Length;
        }
    }

    private async Task DrainAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await _socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false)) > 0)
            {
                if (_protocol == Protocol.HttpPost && buffer.AsSpan(0, read).IndexOf("HTTP/1.1 4"u8) >= 0)
                {
                    Failure ??= "the server refused a publish (4xx)";
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        if (!_stopped)
        {
            Failure ??= "the server closed the publisher's connection";
        }
    }

    private sealed record PublishMode(int Window, double PerSecond, long StartedAt, long StartSequence)
    {
        public static readonly PublishMode Paused = new(0, 0, 0, 0);
    }
}
