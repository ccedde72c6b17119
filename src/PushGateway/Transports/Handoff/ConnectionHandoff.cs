using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace PushGateway.Transports.Handoff;

/// <summary>
/// Takes a long-lived <c>/ws</c> or <c>/sse</c> connection out of Kestrel's HTTP/1.1 layer once its response head
/// is on the wire, so that an idle connection holds only its socket and its own state: the request's objects (its
/// headers, features, the HTTP/1.1 connection, one async frame per middleware, its services scope) are freed when
/// the request ends, instead of living as long as the connection. A connection feature, set by
/// <see cref="OnConnectionAsync"/> around the HTTP layer; an endpoint calls <see cref="Detach"/> and returns, and the
/// session it gave runs on the raw connection once the HTTP layer has let go of it.
/// </summary>
internal sealed class ConnectionHandoff : IConnectionHeartbeatFeature
{
    private HandoffPipe? _pipe;
    private (Action<object> Action, object State)[]? _onHeartbeat = [];
    private Func<ConnectionContext, Task>? _session;
    private List<Action>? _onEnded;

    private ConnectionHandoff(IDuplexPipe transport, IConnectionHeartbeatFeature? heartbeat)
    {
        _pipe = new HandoffPipe(transport);
        // The HTTP layer's timeouts are ticked through here, so that a handoff also drops its handler (and with it
        // the HTTP connection): the server's own list of handlers has no removal.
        heartbeat?.OnHeartbeat(static state => ((ConnectionHandoff)state).Tick(), this);
    }

    public bool IsDetached { get; private set; }

    /// <summary>The handoff of an HTTP/1.1 request's connection; null for other protocols, whose streams stay in the request.</summary>
    public static ConnectionHandoff? For(HttpContext context) =>
        HttpProtocol.IsHttp11(context.Request.Protocol) ? context.Features.Get<ConnectionHandoff>() : null;

    /// <summary>
    /// Runs <paramref name="release"/> when what the request opened has ended: at once, or, when the request handed
    /// its connection off, once the session has ended. For what a request holds for a stream's whole life (a count,
    /// a slot).
    /// </summary>
    public static void ReleaseWhenEnded(HttpContext context, Action release)
    {
        if (context.Features.Get<ConnectionHandoff>() is { IsDetached: true } handoff)
        {
            (handoff._onEnded ??= []).Add(release);
        }
        else
        {
            release();
        }
    }

    /// <summary>The connection middleware: wraps the HTTP layer, then runs the session a request handed off, if any.</summary>
    public static async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var transport = connection.Transport;
        var heartbeat = connection.Features.Get<IConnectionHeartbeatFeature>();
        var handoff = new ConnectionHandoff(transport, heartbeat);
        connection.Transport = handoff._pipe!;
        connection.Features.Set(handoff);
        connection.Features.Set<IConnectionHeartbeatFeature>(handoff);
        try
        {
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connection.Transport = transport;
                connection.Features.Set(heartbeat);
                connection.Features.Set<ConnectionHandoff>(null);
                handoff._pipe = null;
            }

            // Only the session's task is awaited (held by this frame): its delegate, and what only opening the
            // connection needed, can go once it runs.
            if (handoff.StartSession(connection) is { } running)
            {
                await running.ConfigureAwait(false);
            }
        }
        finally
        {
            handoff.Ended();
        }
    }

    /// <summary>
    /// Hands the connection off: from now on the HTTP layer's writes are dropped and its next read finds the end of
    /// the connection, so the request ends as soon as the endpoint returns. Call it once the response head has been
    /// flushed, and return; <paramref name="session"/> then runs on the connection (its transport no longer passes
    /// through the HTTP layer), outside the request: it must hold nothing of the request's.
    /// </summary>
    public void Detach(Func<ConnectionContext, Task> session)
    {
        _pipe!.Detach();
        Volatile.Write(ref _onHeartbeat, null);
        _session = session;
        IsDetached = true;
    }

    public void OnHeartbeat(Action<object> action, object state)
    {
        var registered = _onHeartbeat ?? throw new InvalidOperationException("The connection was handed off.");
        Volatile.Write(ref _onHeartbeat, [.. registered, (action, state)]);
    }

    private Task? StartSession(ConnectionContext connection)
    {
        var session = _session;
        _session = null;
        return session?.Invoke(connection);
    }

    private void Tick()
    {
        if (Volatile.Read(ref _onHeartbeat) is { } handlers)
        {
            foreach (var (action, state) in handlers)
            {
                action(state);
            }
        }
    }

    private void Ended()
    {
        if (_onEnded is { } releases)
        {
            _onEnded = null;
            foreach (var release in releases)
            {
                release();
            }
        }
    }
}
