using System.Threading.Channels;

namespace PushGateway.Observability.LiveStats;

/// <summary>
/// Takes this node's point at every whole second of <see cref="TimeProvider"/> (re-aimed at the next
/// whole second each time, so the points of different nodes line up and never drift), keeps it in the
/// store and offers it to whoever shares it with the cluster.
/// </summary>
internal sealed class LiveStatsService(LiveStatsSampler sampler, LiveStatsStore store, TimeProvider timeProvider) : IHostedService, IDisposable
{
    private readonly Channel<LiveStatsPoint> _taken = Channel.CreateBounded<LiveStatsPoint>(
        new BoundedChannelOptions(60) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    // Stop and Dispose may race a tick that is about to re-arm the timer.
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private bool _stopped;

    /// <summary>This node's points as they are taken, for the cluster share (the oldest go when nobody reads).</summary>
    public ChannelReader<LiveStatsPoint> Taken => _taken.Reader;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = timeProvider.CreateTimer(_ => Tick(), null, UntilNextSecond(), Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        _taken.Writer.TryComplete();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
        }
    }

    private void Tick()
    {
        if (Volatile.Read(ref _stopped))
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        // The timer fires a little after the second it aims at: name the point by the nearest whole second.
        var second = DateTimeOffset.FromUnixTimeMilliseconds((now.ToUnixTimeMilliseconds() + 500) / 1000 * 1000);
        var point = sampler.Sample(second);
        store.Add(store.SelfNode, [point]);
        _taken.Writer.TryWrite(point);
        lock (_lock)
        {
            if (!_stopped)
            {
                _timer?.Change(UntilNextSecond(), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private TimeSpan UntilNextSecond()
    {
        var ms = 1000 - (timeProvider.GetUtcNow().ToUnixTimeMilliseconds() % 1000);
        // A timer that fired a moment early must not take the same second twice.
        return TimeSpan.FromMilliseconds(ms < 500 ? ms + 1000 : ms);
    }
}
