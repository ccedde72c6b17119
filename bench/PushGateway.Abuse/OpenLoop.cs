using System.Collections.Concurrent;
using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>
/// An open-loop schedule for a publisher: message k (from 1) is due at start + k / rate and is started then, whatever
/// the earlier ones are doing, so that a stalled gateway shows up as latency and failures instead of slowing the
/// publisher. Keeps the messages on their way, so that stopping can let them finish, then cut off the rest.
/// </summary>
internal sealed class OpenLoop(double perSecond) : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private readonly ConcurrentDictionary<Task, bool> _pending = new();
    private readonly CancellationTokenSource _scheduling = new();
    private readonly CancellationTokenSource _abandon = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Cancelled when the run is over: a message still on its way then is cut off.</summary>
    public CancellationToken Abandoned => _abandon.Token;

    /// <summary>Starts calling <paramref name="publish"/> with each message's sequence and due time (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Start(Func<long, long, Task> publish) => _loop = Task.Run(() => ScheduleAsync(publish, _scheduling.Token));

    /// <summary>Stops scheduling; lets messages on their way (and their retries) finish for up to <paramref name="settle"/>, then cuts them off.</summary>
    public async Task StopAsync(TimeSpan settle)
    {
        await _scheduling.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await Task.WhenAll(_pending.Keys).WaitAsync(settle).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _abandon.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_pending.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await _scheduling.CancelAsync().ConfigureAwait(false);
        await _abandon.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_pending.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _scheduling.Dispose();
        _abandon.Dispose();
    }

    private async Task ScheduleAsync(Func<long, long, Task> publish, CancellationToken stopping)
    {
        var startedAt = Stopwatch.GetTimestamp();
        long sequence = 0;
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var due = (long)(Stopwatch.GetElapsedTime(startedAt).TotalSeconds * perSecond);
                while (sequence < due)
                {
                    sequence++;
                    var task = publish(sequence, startedAt + (long)(sequence / perSecond * Stopwatch.Frequency));
                    _pending[task] = true;
                    _ = task.ContinueWith(t => _pending.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped: no more messages.
        }
    }
}
