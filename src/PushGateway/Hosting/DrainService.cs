using Microsoft.Extensions.Options;
using PushGateway.Hub;

namespace PushGateway.Hosting;

/// <summary>
/// Stops a node without a reconnect storm. On the stop signal (SIGTERM raises <c>ApplicationStopping</c> first;
/// a host stopped in code calls <see cref="StoppingAsync"/> first) the drain begins: readiness fails and new
/// streams are refused. <see cref="StoppingAsync"/>, which the host runs before it stops the web server (so new
/// requests are still answered, with 503, rather than refused by the kernel), then closes the open subscriptions,
/// in random order, a batch every <see cref="ShutdownOptions.DrainInterval"/>, what is left shared evenly over what
/// is left of <see cref="ShutdownOptions.DrainWindow"/> (so a stall delays closes rather than bunching them); at the end it refuses
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
            while (true)
            {
                // The next tick on the interval's grid: ticks missed in a stall are skipped, not made up in a burst.
                var now = timeProvider.GetElapsedTime(startedAt);
                var next = TimeSpan.FromTicks(Math.Min(window.Ticks, ((now.Ticks / interval.Ticks) + 1) * interval.Ticks));
                await DelayUntilAsync(startedAt, next, cancellationToken).ConfigureAwait(false);
                var left = window - timeProvider.GetElapsedTime(startedAt);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                // What is still open, shared evenly over the ticks left, this one included; the last share closes below.
                var ticksLeft = (left.Ticks / interval.Ticks) + 1;
                var through = closed + (int)((open.Length - closed) / ticksLeft);
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

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task DelayUntilAsync(long startedAt, TimeSpan due, CancellationToken cancellationToken)
    {
        var wait = due - timeProvider.GetElapsedTime(startedAt);
        return wait > TimeSpan.Zero ? Task.Delay(wait, timeProvider, cancellationToken) : Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Shutting down: closing {Connections} connections over {DrainWindow}, a batch every {DrainInterval}")]
    private partial void LogDrainStarted(int connections, TimeSpan drainWindow, TimeSpan drainInterval);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The host's shutdown timeout ran out during the drain: closing the last {Connections} connections at once")]
    private partial void LogDrainCutShort(int connections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain done: {Connections} connections closed after {Elapsed}")]
    private partial void LogDrainEnded(int connections, TimeSpan elapsed);
}
