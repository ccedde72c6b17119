using Microsoft.Extensions.Options;
using PushGateway.Hub;

namespace PushGateway.Hosting;

/// <summary>
/// Stops a node without a reconnect storm. On the stop signal (SIGTERM raises <c>ApplicationStopping</c> first;
/// a host stopped in code calls <see cref="StoppingAsync"/> first) the drain begins: readiness fails and new
/// streams are refused. <see cref="StoppingAsync"/>, which the host runs before it stops the web server (so new
/// requests are still answered, with 503, rather than refused by the kernel), then closes the open subscriptions,
/// in random order, a batch every <see cref="ShutdownOptions.DrainInterval"/>, what is still open spread evenly over
/// what is left of <see cref="ShutdownOptions.DrainWindow"/>; at the end it refuses
/// new publishes, lets those in flight finish, and closes the rest. Each closing connection sends what was queued
/// to it before its close (WebSocket 1012, or a random <c>retry:</c> and the end of the event stream).
/// </summary>
internal sealed partial class DrainService(
    GatewayDrain drain,
    IBroadcastHub hub,
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> options,
    TimeProvider timeProvider,
    ILogger<DrainService> logger) : IHostedLifecycleService
{
    private CancellationTokenRegistration _stopping;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static state => ((GatewayDrain)state!).Begin(), drain);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <param name="cancellationToken">Cancelled when the host's shutdown timeout runs out: whatever is left closes at once.</param>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var startedAt = drain.Begin();
        var open = hub.StopAdmitting(SubscriptionCloseReason.ServerShutdown).ToArray();
        Random.Shared.Shuffle(open);
        // Nothing to spread out: no reason to wait.
        var window = open.Length == 0 ? TimeSpan.Zero : options.Value.DrainWindow;
        var interval = options.Value.DrainInterval;
        LogDrainStarted(open.Length, window, interval);

        var closed = 0;
        try
        {
            // Ticks at every interval from the start, on a fixed schedule; the last one, at the end of the window, closes what is left.
            var ticks = window.Ticks == 0 ? 0 : (window.Ticks + interval.Ticks - 1) / interval.Ticks;
            for (var tick = 1L; ; tick++)
            {
                await DelayUntilAsync(startedAt, TimeSpan.FromTicks(Math.Min(window.Ticks, tick * interval.Ticks)), cancellationToken)
                    .ConfigureAwait(false);
                var now = timeProvider.GetElapsedTime(startedAt);
                if (now >= window)
                {
                    break;
                }

                // Ticks missed in a stall are skipped, not made up in a burst: what is still open is shared evenly
                // over the ticks left, this one and the last included.
                tick = Math.Max(tick, now.Ticks / interval.Ticks);
                var through = closed + (int)((open.Length - closed) / (ticks - tick + 1));
                hub.Close(open[closed..through], SubscriptionCloseReason.ServerShutdown);
                closed = through;
            }

            // Whatever was accepted reaches the connections still open, or at least history, before they close.
            await drain.RefusePublishesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogDrainCutShort(open.Length - closed);
        }

        hub.Close(open[closed..], SubscriptionCloseReason.ServerShutdown);
        var elapsed = timeProvider.GetElapsedTime(startedAt);
        LogDrainEnded(open.Length, elapsed);
    }

    private Task DelayUntilAsync(long startedAt, TimeSpan due, CancellationToken cancellationToken)
    {
        var wait = due - timeProvider.GetElapsedTime(startedAt);
        return wait > TimeSpan.Zero ? Task.Delay(wait, timeProvider, cancellationToken) : Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Shutting down: closing {Connections} connections over {DrainWindow}, a batch every {DrainInterval}")]
    private partial void LogDrainStarted(int connections, TimeSpan drainWindow, TimeSpan drainInterval);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The host's shutdown timeout ran out during the drain: closing the last {Connections} connections at once")]
    private partial void LogDrainCutShort(int connections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain done: {Connections} connections closed after {Elapsed}")]
    private partial void LogDrainEnded(int connections, TimeSpan elapsed);
}
