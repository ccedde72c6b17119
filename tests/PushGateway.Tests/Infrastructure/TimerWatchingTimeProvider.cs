using Microsoft.Extensions.Time.Testing;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells a test when the gateway arms a timer (creates one, or changes one,
/// to fire after a finite time: timers, <c>PeriodicTimer</c>, <c>Task.Delay</c> and <c>CancelAfter</c> on it all
/// do). A test awaits <see cref="TimerArmedAsync"/> for the timer it means to fire, then advances the clock once,
/// instead of advancing it again and again until something happens.
/// </summary>
public sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _lock = new();
    private readonly List<(TimeSpan DueTime, TimeSpan Period)> _armed = [];
    private readonly List<Waiter> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(this, base.CreateTimer(callback, state, dueTime, period));
        Armed(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Completes once <paramref name="count"/> timers in all have been armed to fire after <paramref name="dueTime"/>
    /// (and every <paramref name="period"/>, when given), those armed before the call included; fails the test
    /// after <see cref="TestTimeout.Default"/>.
    /// </summary>
    public Task TimerArmedAsync(TimeSpan dueTime, TimeSpan? period = null, int count = 1)
    {
        var waiter = new Waiter(dueTime, period, count);
        lock (_lock)
        {
            if (_armed.Count(waiter.Matches) < count)
            {
                _waiters.Add(waiter);
                return Wait(waiter);
            }
        }

        return Task.CompletedTask;
    }

    private static async Task Wait(Waiter waiter)
    {
        try
        {
            await waiter.Done.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no timer was armed for {waiter.DueTime} (period {waiter.Period?.ToString() ?? "any"}) {waiter.Count} time(s)");
        }
    }

    private void Armed(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        lock (_lock)
        {
            _armed.Add((dueTime, period));
            foreach (var waiter in _waiters.Where(waiter => _armed.Count(waiter.Matches) >= waiter.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    private sealed record Waiter(TimeSpan DueTime, TimeSpan? Period, int Count)
    {
        // Asynchronous continuations: the test's next step must not run on the gateway thread that armed the timer.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches((TimeSpan DueTime, TimeSpan Period) armed) =>
            armed.DueTime == DueTime && (Period is null || armed.Period == Period);
    }

    private sealed class WatchedTimer(TimerWatchingTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (changed)
            {
                owner.Armed(dueTime, period);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
