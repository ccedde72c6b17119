using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// One accepted socket: a receive loop that publishes what the client sends, and the only writer
/// loop, which drains the subscription and, at the end, sends the close frame. Whoever decides the
/// socket must close (client, protocol violation, hub) calls <see cref="RequestClose"/>; the writer
/// loop carries it out, so the socket never sees two concurrent sends.
/// </summary>
internal sealed class WebSocketConnection : IDisposable
{
    /// <summary>Enough messages per write to amortise the system call, few enough to keep latency and memory low.</summary>
    private const int MaxBatchBytes = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly BatchingUpgradeStream? _batching;
    private readonly Subscription _subscription;
    private readonly string _room;
    private readonly WebSocketAccess _access;
    private readonly InboundMessageLimiter _limiter;
    private readonly ITimer _tokenExpiry;
    private readonly IBroadcastHub _hub;
    private readonly WebSocketTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayMetrics _metrics;
    private readonly DeliveryRecorder _deliveries;
    private readonly CancellationTokenRegistration _hubClosed;
    private WebSocketCloseReason? _closeReason;
    private ITimer? _abortTimer;
    private volatile bool _abortedAfterCloseTimeout;

    public WebSocketConnection(
        WebSocket socket,
        Subscription subscription,
        string room,
        WebSocketAccess access,
        InboundMessageLimiter limiter,
        IBroadcastHub hub,
        WebSocketTransportOptions options,
        TimeProvider timeProvider,
        GatewayMetrics metrics,
        BatchingUpgradeStream? batching)
    {
        _socket = socket;
        _batching = batching;
        _subscription = subscription;
        _room = room;
        _access = access;
        _limiter = limiter;
        _hub = hub;
        _options = options;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _deliveries = metrics.Deliveries(WebSocketEndpoint.Transport);
        _tokenExpiry = timeProvider.CreateTimer(
            static state => ((WebSocketConnection)state!).RequestClose(WebSocketCloseReason.TokenExpired),
            this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ArmTokenExpiry();
        // Not left to the writer loop: it may be stuck on a client that stopped reading, which only the abort timer ends.
        _hubClosed = subscription.Closed.Register(
            static state =>
            {
                var connection = (WebSocketConnection)state!;
                connection.RequestClose(WebSocketCloseReason.For(connection._subscription.CloseReason!.Value));
            },
            this);
        batching?.OnProtocolViolation(
            static (state, violation) => ((WebSocketConnection)state).RequestClose(WebSocketCloseReason.ProtocolError(violation)),
            this);
    }

    /// <summary>For the connection log, once <see cref="RunAsync"/> has returned: why it closed, and whether the close timeout cut it short.</summary>
    public string CloseLogText => CloseReason switch
    {
        null => "aborted",
        var reason when _abortedAfterCloseTimeout => $"{reason.ToLogText()}; aborted after the close timeout",
        var reason => reason.ToLogText(),
    };

    /// <summary>For the metrics, once <see cref="RunAsync"/> has returned: why it closed, one of <see cref="CloseReasons"/>.</summary>
    public string CloseCategory => WebSocketCloseCategory.Of(CloseReason);

    private WebSocketCloseReason? CloseReason => Volatile.Read(ref _closeReason);

    public async Task RunAsync()
    {
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        await Task.WhenAll(receiving, sending).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _hubClosed.Dispose();
        _tokenExpiry.Dispose();
        _abortTimer?.Dispose();
    }

    /// <summary>
    /// Asks the writer loop to stop sending messages and close with <paramref name="reason"/>; the
    /// first reason wins. Wakes the writer loop, and arms a timer that aborts the socket if the
    /// handshake does not finish in time (a client that stopped reading never will).
    /// </summary>
    private void RequestClose(WebSocketCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        _abortTimer = _timeProvider.CreateTimer(
            static state => ((WebSocketConnection)state!).AbortAfterCloseTimeout(), this, _options.CloseTimeout, Timeout.InfiniteTimeSpan);
        _subscription.Messages.Wake();
    }

    private void AbortAfterCloseTimeout()
    {
        _abortedAfterCloseTimeout = _socket.State != WebSocketState.Closed;
        _socket.Abort();
    }

    private bool IsClosing => Volatile.Read(ref _closeReason) is not null;

    /// <summary>Closing, or ended by the hub: what is still queued is not sent (but see <see cref="IsShutdownClose"/>).</summary>
    private bool IsStopping => IsClosing || _subscription.CloseReason is not null;

    /// <summary>Ended by the hub for a shutdown, and closed for nothing else first (the client, an error): the queue is sent before the close.</summary>
    private bool IsShutdownClose => CloseReason is { } reason
        ? reason == WebSocketCloseReason.ServerShutdown
        : _subscription.CloseReason == SubscriptionCloseReason.ServerShutdown;

    private async Task ReceiveLoopAsync()
    {
        var maxBytes = _options.MaxMessageBytes;
        // Rented when a message starts arriving, returned when it is complete: an idle socket waits
        // with a zero-byte receive and holds no buffer.
        byte[]? buffer = null;
        try
        {
            var count = 0;
            while (true)
            {
                var target = buffer is null ? Memory<byte>.Empty : buffer.AsMemory(count, maxBytes - count);
                var result = await _socket.ReceiveAsync(target, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    RequestClose(WebSocketCloseReason.ClosedByClient(_socket.CloseStatus));
                    return;
                }

                if (IsClosing)
                {
                    // Closing: discard what arrives until the client's close frame, into a buffer: a
                    // zero-byte receive would hand back the same unread frame, again and again.
                    count = 0;
                    buffer ??= ArrayPool<byte>.Shared.Rent(maxBytes);
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    RequestClose(WebSocketCloseReason.BinaryMessage);
                    continue;
                }

                count += result.Count;
                if (!result.EndOfMessage)
                {
                    if (buffer is null)
                    {
                        buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
                    }
                    else if (count == maxBytes)
                    {
                        RequestClose(WebSocketCloseReason.MessageTooBig(maxBytes));
                        count = 0;
                    }

                    continue;
                }

                // Already valid UTF-8: the runtime's WebSocket checks text messages and closes with 1007 otherwise.
                var text = buffer is null ? string.Empty : Encoding.UTF8.GetString(buffer, 0, count);
                count = 0;
                ReturnBuffer(ref buffer);
                if (!_limiter.TryAcquire(_subscription.Id))
                {
                    RequestClose(WebSocketCloseReason.RateLimited);
                }
                else if (_access.ReadTokenRefresh(text) is { } token)
                {
                    await RefreshTokenAsync(token).ConfigureAwait(false);
                }
                else if (_access.CanSend)
                {
                    await PublishAsync(text).ConfigureAwait(false);
                }
                else
                {
                    RequestClose(WebSocketCloseReason.NotAllowedToSend);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            ReturnBuffer(ref buffer);
            await FailAsync(exception).ConfigureAwait(false);
        }
        finally
        {
            ReturnBuffer(ref buffer);
        }
    }

    /// <summary>
    /// The receive side failed. When the runtime's WebSocket failed the connection for a protocol
    /// error it sent its close frame (1007, 1002) and can do nothing more; it is aborted once the
    /// client has answered that frame (or the close timeout passed), so that the abort cannot drop it.
    /// </summary>
    private async Task FailAsync(Exception exception)
    {
        if (exception is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted } && _batching is not null)
        {
            RequestClose(WebSocketCloseReason.FailedByRuntime(exception.Message));
            await _batching.DrainUntilCloseAsync().ConfigureAwait(false);
        }
        else
        {
            // The socket broke or was aborted (a protocol error caught beneath it has given its reason already).
            RequestClose(WebSocketCloseReason.Aborted(exception.Message));
        }
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await SendThenCloseAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_batching?.ProtocolViolation is not null)
            {
                // The client broke the protocol: nothing it sends is read any more, so nothing would
                // answer the close. Disposed, not aborted: Kestrel sends the close frame before its FIN.
                _socket.Dispose();
            }
        }
    }

    private async Task SendThenCloseAsync()
    {
        try
        {
            foreach (var message in _subscription.Replay)
            {
                await SendAsync(message).ConfigureAwait(false);
            }

            // Woken by a message, a close request (RequestClose) or the hub ending the subscription (completion).
            var queue = _subscription.Messages;
            while (true)
            {
                await queue.WaitAsync().ConfigureAwait(false);
                // On shutdown, what reached the queue before the close goes out first (completed, the queue only empties).
                if (IsStopping && !(IsShutdownClose && queue.HasMessages))
                {
                    break;
                }

                // Counted per batch, for the oldest message (the first read), once the write is done.
                var count = 0;
                var oldestAcceptedAt = 0L;
                if (_batching is null)
                {
                    while ((!IsStopping || IsShutdownClose) && queue.TryRead(out var message))
                    {
                        oldestAcceptedAt = count++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
                        await SendAsync(message).ConfigureAwait(false);
                    }
                }
                else
                {
                    // Everything waiting goes out as one write: the frames are already encoded, shared by every subscriber.
                    _batching.OpenBatch();
                    try
                    {
                        while (_batching.BufferedBytes < MaxBatchBytes && queue.TryRead(out var message))
                        {
                            oldestAcceptedAt = count++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
                            _batching.Append(message.EncodedAs(WebSocketTextFormat.Instance).Span);
                        }
                    }
                    finally
                    {
                        await _batching.CloseBatchAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }

                if (count > 0)
                {
                    _deliveries.Delivered(count, oldestAcceptedAt);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Disposed: the socket was aborted (close timeout, keep-alive timeout) under a write in flight.
            RequestClose(WebSocketCloseReason.Aborted(exception.Message));
            return;
        }
        catch
        {
            // Whatever broke the writer, the receive loop must not wait on the client forever.
            _socket.Abort();
            throw;
        }

        // Ended by the hub: its callback may not have given the reason yet.
        if (_subscription.CloseReason is { } ended)
        {
            RequestClose(WebSocketCloseReason.For(ended));
        }

        var reason = CloseReason!;
        if (reason.Status == WebSocketCloseStatus.Empty || _socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            await _socket.CloseOutputAsync(reason.Status, reason.Description, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            // Aborted by the close timeout, or the client vanished mid-handshake.
        }
    }

    private async Task PublishAsync(string text)
    {
        try
        {
            await _hub.PublishAsync(_room, EventTypes.Chat, text).ConfigureAwait(false);
            _metrics.MessagePublished(MessageSources.WebSocket);
        }
        catch (BackplaneUnavailableException)
        {
            // Not stored, so not sent: say so rather than drop it silently.
            RequestClose(WebSocketCloseReason.BackplaneUnavailable);
        }
        catch (PublishOutcomeUnknownException)
        {
            // Perhaps stored and sent: say that, so that the client does not send it again blindly.
            RequestClose(WebSocketCloseReason.PublishOutcomeUnknown);
        }
    }

    private async Task RefreshTokenAsync(string token)
    {
        if (await _access.RefreshAsync(token).ConfigureAwait(false))
        {
            ArmTokenExpiry();
        }
        else
        {
            RequestClose(WebSocketCloseReason.InvalidToken);
        }
    }

    private void ArmTokenExpiry() =>
        _tokenExpiry.Change(
            _access.Expires is { } expires ? GatewayClaims.TimeUntil(expires, _timeProvider) : Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);

    private ValueTask SendAsync(GatewayMessage message) =>
        _socket.SendAsync(WebSocketTextFormat.Payload(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
}
