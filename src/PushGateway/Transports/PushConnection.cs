using System.Net.WebSockets;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Transports;

/// <summary>
/// The life of one connection, whatever its transport: one writer loop drains the subscription's inbox a
/// batch at a time, one flush per batch; whoever decides the connection must close (the client, the
/// transport's inbound side, the hub, the token's expiry) calls <see cref="RequestClose"/>, and the first
/// reason wins; the writer loop then has the transport write its close, and a connection whose close does
/// not finish within the close timeout (a client that stopped reading never finishes it) is aborted. The
/// transport supplies the framing and the inbound side (<see cref="IConnectionTransport"/>).
/// </summary>
internal sealed class PushConnection : IDisposable
{
    private readonly Subscription _subscription;
    private readonly IConnectionTransport _transport;
    private readonly TimeSpan _closeTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly DeliveryRecorder _deliveries;
    private readonly CancellationTokenRegistration _hubClosed;
    private ConnectionCloseReason? _closeReason;
    private ITimer? _tokenExpiry;
    private ITimer? _abortTimer;
    private volatile bool _abortedAfterCloseTimeout;

    public PushConnection(
        Subscription subscription,
        IConnectionTransport transport,
        TimeSpan closeTimeout,
        DateTimeOffset? tokenExpires,
        TimeProvider timeProvider,
        DeliveryRecorder deliveries)
    {
        _subscription = subscription;
        _transport = transport;
        _closeTimeout = closeTimeout;
        _timeProvider = timeProvider;
        _deliveries = deliveries;
        RenewTokenExpiry(tokenExpires);
        // Not left to the writer loop: it may be stuck on a client that stopped reading, which only the abort ends.
        _hubClosed = subscription.Closed.Register(
            static state =>
            {
                var connection = (PushConnection)state!;
                connection.RequestClose(ConnectionCloseReason.For(connection._subscription.CloseReason!.Value));
            },
            this);
    }

    public Subscription Subscription => _subscription;

    /// <summary>Why the connection closes, once someone decided it does.</summary>
    public ConnectionCloseReason? CloseReason => Volatile.Read(ref _closeReason);

    public bool IsClosing => CloseReason is not null;

    /// <summary>For the connection log, once <see cref="RunAsync"/> has returned: why it closed, and whether the close timeout cut it short.</summary>
    public string CloseLogText =>
        _abortedAfterCloseTimeout ? $"{_transport.Describe(FinalReason)}; aborted after the close timeout" : _transport.Describe(FinalReason);

    /// <summary>For the metrics, once <see cref="RunAsync"/> has returned: the close reason's category.</summary>
    public string CloseCategory => FinalReason.Category;

    /// <summary>None only when the writer loop failed unexpectedly.</summary>
    private ConnectionCloseReason FinalReason => CloseReason ?? ConnectionCloseReason.WriterFailed;

    /// <summary>The hub ended the subscription, or this connection is closing: the reason that wins.</summary>
    private ConnectionCloseReason? EndingReason =>
        CloseReason ?? (_subscription.CloseReason is { } ended ? ConnectionCloseReason.For(ended) : null);

    /// <summary>Runs the inbound side and the writer loop until both have ended.</summary>
    public Task RunAsync()
    {
        var receiving = _transport.ReceiveAsync(this);
        var writing = WriteAsync();
        // Not an async method, and no waiting on both when the inbound side only watches for the client leaving
        // (SSE): each is one more object an idle connection holds.
        return receiving.IsCompletedSuccessfully ? writing : Task.WhenAll(receiving, writing);
    }

    /// <summary>
    /// Asks the writer loop to stop writing messages and close with <paramref name="reason"/>; the first
    /// reason wins. Wakes the writer loop, and arms the abort for the close timeout.
    /// </summary>
    public void RequestClose(ConnectionCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        _abortTimer = _timeProvider.CreateTimer(
            static state => ((PushConnection)state!).AbortAfterCloseTimeout(), this, _closeTimeout, Timeout.InfiniteTimeSpan);
        _subscription.Messages.Wake();
    }

    /// <summary>(Re)arms the close for <see cref="ConnectionCloseReason.TokenExpired"/>; null for a token without expiry.</summary>
    public void RenewTokenExpiry(DateTimeOffset? expires)
    {
        if (expires is null && _tokenExpiry is null)
        {
            return;
        }

        _tokenExpiry ??= _timeProvider.CreateTimer(
            static state => ((PushConnection)state!).RequestClose(ConnectionCloseReason.TokenExpired),
            this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _tokenExpiry.Change(expires is { } at ? GatewayClaims.TimeUntil(at, _timeProvider) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _hubClosed.Dispose();
        _tokenExpiry?.Dispose();
        _abortTimer?.Dispose();
    }

    private void AbortAfterCloseTimeout()
    {
        // Said before the abort: it can end the connection on this very thread (a handed-off connection's pipes run
        // their continuations inline), which then logs why it closed.
        _abortedAfterCloseTimeout = true;
        _abortedAfterCloseTimeout = _transport.Abort();
    }

    private async Task WriteAsync()
    {
        try
        {
            await DrainAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or WebSocketException)
        {
            // The connection broke, or was aborted under a write in flight (disposed: its stream went with it).
            RequestClose(_transport.WriteFailed(exception));
        }
        catch
        {
            // Whatever broke the writer, the inbound side must not wait on the client forever.
            _transport.Abort();
            throw;
        }

        await _transport.CloseAsync(CloseReason!).ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        _transport.WriteOpening();
        foreach (var message in _subscription.Replay)
        {
            _transport.Append(message);
        }

        await _transport.FlushAsync().ConfigureAwait(false);

        // Woken by a message, a close request (RequestClose), the hub ending the subscription (completion),
        // or the transport's own timers.
        var inbox = _subscription.Messages;
        while (true)
        {
            await inbox.WaitAsync().ConfigureAwait(false);
            // On shutdown, what reached the inbox before the close goes out first (completed, it only empties).
            if (EndingReason is { } reason && !(reason.SendsQueuedFirst && inbox.HasMessages))
            {
                break;
            }

            // Whatever ends the connection meanwhile is noticed after this batch. Counted per batch, for the
            // oldest message (the first read), once the flush is done.
            var count = 0;
            var oldestAcceptedAt = 0L;
            while (inbox.TryRead(out var message))
            {
                oldestAcceptedAt = count++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
                if (!_transport.Append(message))
                {
                    break;
                }
            }

            await _transport.FlushAsync().ConfigureAwait(false);
            if (count > 0)
            {
                _deliveries.Delivered(count, oldestAcceptedAt);
            }
        }

        // Ended by the hub: its callback may not have given the reason yet.
        if (_subscription.CloseReason is { } ended)
        {
            RequestClose(ConnectionCloseReason.For(ended));
        }
    }
}
