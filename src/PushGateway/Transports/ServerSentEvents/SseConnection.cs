using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Security;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// One open event stream: writes the preamble and the replay, then drains the subscription, a batch
/// at a time with one flush per batch, and sends a heartbeat comment whenever the stream was silent
/// for a heartbeat interval.
/// </summary>
internal sealed class SseConnection(HttpContext context, Subscription subscription, SseTransportOptions options, TimeProvider timeProvider)
{
    private static readonly ReadOnlyMemory<byte> Heartbeat = SseFrameEncoder.EncodeComment("heartbeat");

    /// <summary>Why the stream ended, once <see cref="RunAsync"/> has returned.</summary>
    public string CloseReason { get; private set; } = "client disconnected";

    public async Task RunAsync(string? lastEventId, DateTimeOffset? tokenExpires)
    {
        var body = context.Response.BodyWriter;
        // Once the hub ends the subscription, a write still stuck on a client that stopped reading gets
        // CloseTimeout to finish before the connection is aborted.
        using var writeDeadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var armDeadline = subscription.Closed.Register(() => TryCancelAfter(writeDeadline, options.CloseTimeout));
        using var writes = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, writeDeadline.Token);
        using var tokenExpiry = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        if (tokenExpires is { } expires)
        {
            tokenExpiry.CancelAfter(GatewayClaims.TimeUntil(expires, timeProvider));
        }

        using var waits = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, subscription.Closed, tokenExpiry.Token);

        try
        {
            body.Write(SseFrameEncoder.EncodeRetry(options.RetryMilliseconds));
            if (lastEventId is not null && subscription.ResumeStatus == ResumeStatus.Gap)
            {
                body.Write(SseFrameEncoder.EncodeEvent(SseEventTypes.Gap, id: null, GapNotice(lastEventId)));
            }

            foreach (var message in subscription.Replay)
            {
                body.Write(message.SseFrame.Span);
            }

            await body.FlushAsync(writes.Token).ConfigureAwait(false);
            await PumpAsync(body, waits.Token, writes.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (writeDeadline.IsCancellationRequested)
        {
            CloseReason = "aborted: the client did not read in time";
            context.Abort();
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException) when (subscription.Closed.IsCancellationRequested)
        {
            // Ended by the hub while waiting for messages.
        }
        catch (OperationCanceledException) when (tokenExpiry.IsCancellationRequested)
        {
            CloseReason = "token expired";
            return;
        }

        if (subscription.CloseReason is { } reason)
        {
            CloseReason = reason == SubscriptionCloseReason.SlowConsumer ? "dropped: too slow, queue overflowed" : "server shutting down";
        }
    }

    private async Task PumpAsync(PipeWriter body, CancellationToken waits, CancellationToken writes)
    {
        var queue = subscription.Messages;
        Task<bool>? waiting = null;
        while (true)
        {
            waiting ??= queue.WaitToReadAsync(waits).AsTask();
            try
            {
                if (!await waiting.WaitAsync(options.HeartbeatInterval, timeProvider).ConfigureAwait(false))
                {
                    return;
                }

                waiting = null;
            }
            catch (TimeoutException)
            {
                // Keep the same wait pending; write a heartbeat meanwhile.
                body.Write(Heartbeat.Span);
                await body.FlushAsync(writes).ConfigureAwait(false);
                continue;
            }

            while (!subscription.Closed.IsCancellationRequested && queue.TryRead(out var message))
            {
                body.Write(message.SseFrame.Span);
            }

            await body.FlushAsync(writes).ConfigureAwait(false);
            if (subscription.Closed.IsCancellationRequested)
            {
                return;
            }
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
