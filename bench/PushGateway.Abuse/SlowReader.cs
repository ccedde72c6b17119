using System.Net;
using System.Net.Sockets;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// A subscriber that sends its request and never reads, on a socket with a 4 KiB receive buffer:
/// the gateway must drop it (its queue overflows) without hurting anyone else.
/// </summary>
internal sealed class SlowReader(IPAddress local, int port, bool webSocket, string topic) : IDisposable
{
    private readonly Socket _socket = Loopback.Socket(local);

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        // Before connecting, so that the window it announces is small from the start.
        _socket.ReceiveBufferSize = 4096;
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        var request = webSocket ? Wire.UpgradeRequest("/ws?topic=" + topic, port) : Wire.EventStreamRequest("/sse?topic=" + topic, port);
        await _socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads at last, everything the server had queued: true if that ends in a close or a reset (the
    /// server dropped it), false if the connection is still open when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<bool> WasDroppedAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
