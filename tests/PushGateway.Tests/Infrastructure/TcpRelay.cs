using System.Net;
using System.Net.Sockets;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay to a server (one node's way to Redis, a client's way to a node) that a test can cut,
/// point elsewhere and restore: cut, it drops every relayed connection and closes each new one at once, so
/// that one client loses its server while the others keep theirs. It keeps its listener throughout (its port is never rebound).
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private bool _cut;

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops the relayed connections, and every new one until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>Sends new connections to <paramref name="targetPort"/> from now on (another node behind the same address).</summary>
    public void Retarget(int targetPort)
    {
        lock (_lock)
        {
            _targetPort = targetPort;
        }
    }

    public void Restore()
    {
        lock (_lock)
        {
            _cut = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        int targetPort;
        lock (_lock)
        {
            targetPort = _targetPort;
            if (_cut)
            {
                client.Dispose();
                server.Dispose();
                return;
            }

            _open.Add(client);
            _open.Add(server);
        }

        try
        {
            await server.ConnectAsync(IPAddress.Loopback, targetPort, _stopping.Token);
            var (one, other) = (client.GetStream(), server.GetStream());
            // Either side ending (or a cut) ends both.
            await Task.WhenAny(one.CopyToAsync(other, _stopping.Token), other.CopyToAsync(one, _stopping.Token));
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Cut, or one side went away.
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(client);
                _open.Remove(server);
            }

            client.Dispose();
            server.Dispose();
        }
    }
}
