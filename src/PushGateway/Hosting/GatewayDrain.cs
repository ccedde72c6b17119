using Microsoft.Extensions.Options;
using PushGateway.Security;

namespace PushGateway.Hosting;

/// <summary>
/// Where a stopping node stands. Once the drain has begun, readiness fails and new <c>/ws</c> and <c>/sse</c>
/// requests are refused (503 with a random Retry-After) while the open connections are closed a batch at a time;
/// publishes are still taken, and reach the connections still open, until <see cref="RefusePublishesAsync"/>
/// at the end of the drain.
/// </summary>
internal sealed class GatewayDrain(IOptions<ShutdownOptions> options, TimeProvider timeProvider)
{
    private const string ShuttingDown = "Shutting down";

    private readonly TaskCompletionSource _publishesDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _startedAt = -1;
    private int _publishesRefused;
    private int _publishesInFlight;

    public bool IsDraining => Volatile.Read(ref _startedAt) >= 0;

    /// <summary>Begins the drain (once; later calls change nothing) and returns its start, a <see cref="TimeProvider"/> timestamp.</summary>
    public long Begin()
    {
        var now = timeProvider.GetTimestamp();
        var started = Interlocked.CompareExchange(ref _startedAt, now, -1);
        return started < 0 ? now : started;
    }

    /// <summary>Counts a publish in, unless publishes are refused already; pair with <see cref="LeavePublish"/>.</summary>
    public bool TryEnterPublish()
    {
        // Increment, then look: with RefusePublishesAsync setting, then looking, one of the two sees the other.
        Interlocked.Increment(ref _publishesInFlight);
        if (Volatile.Read(ref _publishesRefused) == 0)
        {
            return true;
        }

        LeavePublish();
        return false;
    }

    public void LeavePublish()
    {
        if (Interlocked.Decrement(ref _publishesInFlight) == 0 && Volatile.Read(ref _publishesRefused) != 0)
        {
            _publishesDone.TrySetResult();
        }
    }

    /// <summary>Refuses new publishes, and completes when those in flight have finished.</summary>
    public Task RefusePublishesAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _publishesRefused, 1);
        if (Volatile.Read(ref _publishesInFlight) == 0)
        {
            _publishesDone.TrySetResult();
        }

        return _publishesDone.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The <c>retry:</c> an event stream ends with, and the delay of a sub-protocol's <c>reconnect</c> frame: the floor
    /// plus a random part of one <see cref="ShutdownOptions.DrainInterval"/> (none with a window of 0). The drain has
    /// spread the closes over its window already, so its clients come back as spread out as they were closed, a batch
    /// not all at once, and every one within the window plus the floor and an interval (a delay drawn over the whole
    /// window brought the last ones back up to twice the window after the signal).
    /// </summary>
    public int NextRetryMilliseconds()
    {
        var value = options.Value;
        var jitter = (long)Math.Min(value.DrainInterval.TotalMilliseconds, value.DrainWindow.TotalMilliseconds);
        return (int)Math.Min(int.MaxValue, (long)value.SseRetryMinimum.TotalMilliseconds + Random.Shared.NextInt64(jitter + 1));
    }

    /// <summary>503 for a new <c>/ws</c> or <c>/sse</c> request, with Retry-After as at capacity (<see cref="StreamAdmission"/>).</summary>
    public static IResult RefuseStream(HttpContext context) =>
        Problems.Unavailable(context, ShuttingDown,
            "This node is shutting down. Connect to another node, or here again after Retry-After seconds.",
            StreamAdmission.MinRetrySeconds, StreamAdmission.MaxRetrySeconds);

    /// <summary>503 for a publish at the end of the drain: nothing was published; another node (or this one, restarted) will take it.</summary>
    public static IResult RefusePublish(HttpContext context) =>
        Problems.Unavailable(context, ShuttingDown,
            "This node is shutting down and published nothing. Publish again after Retry-After seconds, or on another node.", 1, 5);
}
