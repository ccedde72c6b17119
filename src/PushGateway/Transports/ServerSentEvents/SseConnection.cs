using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// One open event stream: writes the preamble and the replay, then drains the subscription, a batch
/// at a time with one flush per batch, and sends a heartbeat comment whenever the stream was silent
/// for a heartbeat interval.
/// </summary>
internal sealed class SseConnection(
    HttpContext context,
    Subscription subscription,
    SseTransportOptions options,
    TimeProvider timeProvider,
    GatewayDrain drain,
    GatewayMetrics metrics)
{
    private static readonly ReadOnlyMemory<byte> Heartbeat = SseFrameEncoder.EncodeComment("heartbeat");

    // Read once: HttpContext.RequestAborted is a feature lookup on every call.
    private readonly CancellationToken _requestAborted = context.RequestAborted;
    private readonly DeliveryRecorder _deliveries = metrics.Deliveries(SseEndpoint.Transport);
    private ITimer? _heartbeat;
    private long _lastWrite;
    private volatile bool _heartbeatDue;
    private volatile bool _tokenExpired;

    /// <summary>Why the stream ended, once <see cref="RunAsync"/> has returned.</summary>
    public string CloseReason { get; private set; } = "client disconnected";

    /// <summary>Why the stream ended, for the metrics (one of <see cref="CloseReasons"/>), once <see cref="RunAsync"/> has returned.</summary>
    public string CloseCategory { get; private set; } = CloseReasons.Client;

    public async Task RunAsync(string? lastEventId, DateTimeOffset? tokenExpires)
    {
        var body = context.Response.BodyWriter;
        var queue = subscription.Messages;
        // Once the hub ends the subscription, a write still stuck on a client that stopped reading gets
        // CloseTimeout to finish before the connection is aborted.
        using var writeDeadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var armDeadline = subscription.Closed.Register(() => TryCancelAfter(writeDeadline, options.CloseTimeout));
        using var writes = CancellationTokenSource.CreateLinkedTokenSource(_requestAborted, writeDeadline.Token);

        // Besides messages and the hub ending the subscription, these wake the pump: the client leaving,
        // the token expiring, a heartbeat falling due.
        using var clientGone = _requestAborted.UnsafeRegister(static state => ((SubscriberInbox)state!).Wake(), queue);
        using var tokenExpiry = timeProvider.CreateTimer(
            static state => ((SseConnection)state!).ExpireToken(), this,
            tokenExpires is { } expires ? GatewayClaims.TimeUntil(expires, timeProvider) : Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        _lastWrite = timeProvider.GetTimestamp();
        using var heartbeat = _heartbeat = timeProvider.CreateTimer(
            static state => ((SseConnection)state!).CheckSilence(), this, options.HeartbeatInterval, Timeout.InfiniteTimeSpan);

        try
        {
            body.Write(SseFrameEncoder.EncodeRetry(options.RetryMilliseconds));
            if (lastEventId is not null && subscription.ResumeStatus == ResumeStatus.Gap)
            {
                body.Write(SseFrameEncoder.EncodeEvent(SseEventTypes.Gap, id: null, GapNotice(lastEventId)));
            }

            foreach (var message in subscription.Replay)
            {
                body.Write(message.EncodedAs(SseFormat.Instance).Span);
            }

            await body.FlushAsync(writes.Token).ConfigureAwait(false);
            await PumpAsync(body, queue, writes.Token).ConfigureAwait(false);
            if (subscription.CloseReason == SubscriptionCloseReason.ServerShutdown && !_requestAborted.IsCancellationRequested)
            {
                // What reached the (now complete) queue before the close goes out first; then a random retry, so
                // that EventSource clients come back spread out over the drain window.
                WriteQueued(body, queue);
                body.Write(SseFrameEncoder.EncodeRetry(drain.NextSseRetryMilliseconds()));
                await body.FlushAsync(writes.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (writeDeadline.IsCancellationRequested)
        {
            CloseReason = "aborted: the client did not read in time";
            // Ended by the hub (which armed the deadline): that is why it closed.
            CloseCategory = subscription.CloseReason is { } ended ? CloseReasons.For(ended) : CloseReasons.Aborted;
            context.Abort();
            return;
        }
        catch (OperationCanceledException) when (_requestAborted.IsCancellationRequested)
        {
            return;
        }

        if (_requestAborted.IsCancellationRequested)
        {
            return;
        }

        if (subscription.CloseReason is { } reason)
        {
            CloseReason = reason == SubscriptionCloseReason.SlowConsumer ? "dropped: too slow, queue overflowed" : "server shutting down";
            CloseCategory = CloseReasons.For(reason);
        }
        else if (_tokenExpired)
        {
            CloseReason = "token expired";
            CloseCategory = CloseReasons.TokenExpired;
        }
    }

    /// <summary>Writes what is queued, a batch at a time with one flush each, until something ends the stream.</summary>
    private async Task PumpAsync(PipeWriter body, SubscriberInbox queue, CancellationToken writes)
    {
        while (true)
        {
            await queue.WaitAsync().ConfigureAwait(false);
            if (IsEnding)
            {
                return;
            }

            // Whatever ends the stream meanwhile is noticed after this batch (at most a queue's worth).
            var (count, oldestAcceptedAt) = WriteQueued(body, queue);
            var wrote = count > 0;
            if (_heartbeatDue)
            {
                _heartbeatDue = false;
                if (!wrote)
                {
                    body.Write(Heartbeat.Span);
                    wrote = true;
                }

                _heartbeat!.Change(options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
            }

            if (wrote)
            {
                await body.FlushAsync(writes).ConfigureAwait(false);
                Volatile.Write(ref _lastWrite, timeProvider.GetTimestamp());
            }

            if (count > 0)
            {
                // Once per batch, for its oldest message (the first read), once the flush is done.
                _deliveries.Delivered(count, oldestAcceptedAt);
            }
        }
    }

    /// <summary>
    /// Copies every queued frame into the response, many frames per <c>GetSpan</c>/<c>Advance</c>
    /// pair: Kestrel takes a lock and updates its chunk for each pair, so one pair per frame would
    /// cost more than the copying.
    /// </summary>
    /// <returns>How many messages were written, and when the first (the oldest) was accepted.</returns>
    private static (int Count, long OldestAcceptedAt) WriteQueued(PipeWriter body, SubscriberInbox queue)
    {
        var count = 0;
        var oldestAcceptedAt = 0L;
        var free = Span<byte>.Empty;
        var used = 0;
        while (queue.TryRead(out var message))
        {
            oldestAcceptedAt = count++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
            var frame = message.EncodedAs(SseFormat.Instance).Span;
            if (frame.Length > free.Length - used)
            {
                if (used > 0)
                {
                    body.Advance(used);
                }

                free = body.GetSpan();
                used = 0;
                if (frame.Length > free.Length)
                {
                    // Larger than what is left of Kestrel's buffer: let the pipe split it.
                    body.Write(frame);
                    free = Span<byte>.Empty;
                    continue;
                }
            }

            frame.CopyTo(free[used..]);
            used += frame.Length;
        }

        if (used > 0)
        {
            body.Advance(used);
        }

        return (count, oldestAcceptedAt);
    }

    private bool IsEnding => subscription.CloseReason is not null || _tokenExpired || _requestAborted.IsCancellationRequested;

    private void ExpireToken()
    {
        _tokenExpired = true;
        subscription.Messages.Wake();
    }

    /// <summary>
    /// The heartbeat timer: due when nothing was written for a whole interval, otherwise re-armed for the
    /// rest of it, so a busy stream costs a timestamp per flush rather than a timer change.
    /// </summary>
    private void CheckSilence()
    {
        var silentFor = timeProvider.GetElapsedTime(Volatile.Read(ref _lastWrite));
        if (silentFor >= options.HeartbeatInterval)
        {
            _heartbeatDue = true;
            subscription.Messages.Wake();
        }
        else
        {
            _heartbeat!.Change(options.HeartbeatInterval - silentFor, Timeout.InfiniteTimeSpan);
        }
    }

    private static string GapNotice(string lastEventId) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["lastEventId"] = lastEventId }, SseJsonContext.Default.DictionaryStringString);

    private static void TryCancelAfter(CancellationTokenSource source, TimeSpan delay)
    {
        try
        {
            source.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
            // The stream already ended.
        }
    }
}
