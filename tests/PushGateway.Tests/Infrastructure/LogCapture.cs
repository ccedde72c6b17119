using Serilog.Core;
using Serilog.Events;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// Every event a gateway logs at the levels its configuration lets through (Serilog picks up the
/// sinks registered as services), so that a test can assert what was, or was not, logged.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private const string RequestLogSource = "Serilog.AspNetCore.RequestLoggingMiddleware";

    private readonly Lock _lock = new();
    private readonly List<LogEvent> _events = [];
    private readonly List<(Func<LogEvent, bool> Match, TaskCompletionSource<LogEvent> Found)> _waiters = [];

    /// <summary>How many events so far: a mark to look at what comes after it.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Add(logEvent);
            foreach (var waiter in _waiters.Where(waiter => waiter.Match(logEvent)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(logEvent);
            }
        }
    }

    /// <summary>The events logged since <paramref name="mark"/> (a <see cref="Count"/>).</summary>
    public IReadOnlyList<LogEvent> Since(int mark)
    {
        lock (_lock)
        {
            return _events[mark..];
        }
    }

    /// <summary>The first event since <paramref name="mark"/> that matches, as soon as it is logged.</summary>
    public Task<LogEvent> WaitForAsync(int mark, Func<LogEvent, bool> match)
    {
        lock (_lock)
        {
            if (_events.Skip(mark).FirstOrDefault(match) is { } logged)
            {
                return Task.FromResult(logged);
            }

            var found = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
            return found.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The one-line summary the request logging middleware writes when a request to
    /// <paramref name="path"/> ends with an error status: the request is over, and whatever it logged is in.
    /// </summary>
    public Task<LogEvent> WaitForFailedRequestAsync(int mark, string path) =>
        WaitForAsync(mark, logEvent =>
            IsFrom(logEvent, RequestLogSource)
            && logEvent.Properties.TryGetValue("RequestPath", out var requestPath) && requestPath is ScalarValue { Value: string logged } && logged == path
            && logEvent.Properties.TryGetValue("StatusCode", out var status) && status is ScalarValue { Value: int code } && code >= 400);

    /// <summary>Fails with every event at Error or above logged since <paramref name="mark"/>.</summary>
    public void AssertNoErrorsSince(int mark)
    {
        var errors = Since(mark).Where(logEvent => logEvent.Level >= LogEventLevel.Error).ToList();
        Assert.True(errors.Count == 0, "logged at Error or above:\n" + string.Join("\n", errors.Select(Describe)));
    }

    private static bool IsFrom(LogEvent logEvent, string source) =>
        logEvent.Properties.TryGetValue("SourceContext", out var context) && context is ScalarValue { Value: string name } && name == source;

    private static string Describe(LogEvent logEvent) =>
        $"[{logEvent.Level}] {logEvent.Properties.GetValueOrDefault("SourceContext")}: {logEvent.RenderMessage()} {logEvent.Exception?.GetType().Name}: {logEvent.Exception?.Message}";
}
