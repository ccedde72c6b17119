using System.Net;
using Microsoft.AspNetCore.Connections;

namespace PushGateway.Security;

/// <summary>Accepts only when <see cref="SocketGate"/> has room; the room comes back when the connection closes.</summary>
internal sealed class GatedConnectionListener(IConnectionListener inner, SocketGate gate) : IConnectionListener
{
    // Unbinding must end an accept that waits for room: Kestrel awaits its accept loops before it closes connections.
    private readonly CancellationTokenSource _unbound = new();

    public EndPoint EndPoint => inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token))
        {
            try
            {
                await gate.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
            {
                return null;
            }
        }

        ConnectionContext? connection;
        try
        {
            connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            gate.Release();
            throw;
        }

        if (connection is null)
        {
            gate.Release();
            return null;
        }

        connection.ConnectionClosed.UnsafeRegister(static state => ((SocketGate)state!).Release(), gate);
        return connection;
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        await _unbound.CancelAsync().ConfigureAwait(false);
        await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _unbound.CancelAsync().ConfigureAwait(false);
        _unbound.Dispose();
        await inner.DisposeAsync().ConfigureAwait(false);
    }
}
