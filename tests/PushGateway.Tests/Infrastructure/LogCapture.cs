using Serilog.Core;
using Serilog.Events;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// Every event the gateway logs at or above the configured levels (the gateway's Serilog reads its
/// sinks from the services), with a way to await one that has not come yet.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly Lock _gate = new();
    private readonly List<LogEvent> _events = [];
    private readonly List<(Func<LogEvent, bool> Match, int Count, TaskCompletionSource<IReadOnlyList<LogEvent>> Seen)> _waiters = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Errors and worse, as text with their exceptions, so that a failing assertion shows them.</summary>
    public IReadOnlyList<string> Errors =>
        [.. Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => $"{e.RenderMessage()} {e.Exception}")];

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _events.Add(logEvent);
            foreach (var waiter in _waiters.ToList())
            {
                if (MatchingLocked(waiter.Match, waiter.Count) is { } matching)
                {
                    waiter.Seen.TrySetResult(matching);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> events, logged already or to come, that match; fails the test
    /// after <see cref="TestTimeout.Default"/>.
    /// </summary>
    public Task<IReadOnlyList<LogEvent>> WaitForAsync(Func<LogEvent, bool> match, int count = 1)
    {
        lock (_gate)
        {
            if (MatchingLocked(match, count) is { } logged)
            {
                return Task.FromResult<IReadOnlyList<LogEvent>>(logged);
            }

            var seen = new TaskCompletionSource<IReadOnlyList<LogEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, count, seen));
            return seen.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        }
    }

    private List<LogEvent>? MatchingLocked(Func<LogEvent, bool> match, int count) =>
        _events.Where(match).Take(count).ToList() is { } matching && matching.Count == count ? matching : null;

    /// <summary>Serilog's one line per completed request (<c>UseSerilogRequestLogging</c>) for this path.</summary>
    public static bool IsRequestCompleted(LogEvent logEvent, string path) =>
        logEvent.Properties.TryGetValue("RequestPath", out var value) && value is ScalarValue { Value: string logged } && logged == path
        && logEvent.Properties.ContainsKey("StatusCode");

    public static int? StatusCode(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("StatusCode", out var value) && value is ScalarValue { Value: int status } ? status : null;
}
