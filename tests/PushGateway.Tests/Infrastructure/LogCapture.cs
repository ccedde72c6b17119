using Serilog.Core;
using Serilog.Events;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// Every event a gateway logs at the levels its configuration lets through (Serilog picks up the
/// sinks registered as services), so that a test can assert what was, or was not, logged, and await
/// an event that has not come yet.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private const string RequestLogSource = "Serilog.AspNetCore.RequestLoggingMiddleware";

    private readonly Lock _lock = new();
    private readonly List<LogEvent> _events = [];

    /// <summary>Each waiter looks at the events so far and says whether it is satisfied (it then completes itself).</summary>
    private readonly List<Func<bool>> _waiters = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

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

    /// <summary>Errors and worse, as text with their exceptions, so that a failing assertion shows them.</summary>
    public IReadOnlyList<string> Errors =>
        [.. Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => $"{e.RenderMessage()} {e.Exception}")];

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Add(logEvent);
            _waiters.RemoveAll(satisfied => satisfied());
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
    public Task<LogEvent> WaitForAsync(int mark, Func<LogEvent, bool> match) =>
        WaitUntilAsync(() => _events.Skip(mark).FirstOrDefault(match));

    /// <summary>
    /// The first <paramref name="count"/> events, logged already or to come, that match; fails the test
    /// after <see cref="TestTimeout.Default"/>.
    /// </summary>
    public Task<IReadOnlyList<LogEvent>> WaitForAsync(Func<LogEvent, bool> match, int count = 1) =>
        WaitUntilAsync<IReadOnlyList<LogEvent>>(() => _events.Where(match).Take(count).ToList() is { } matching && matching.Count == count ? matching : null);

    /// <summary>
    /// The one-line summary the request logging middleware writes when a request to
    /// <paramref name="path"/> ends with an error status: the request is over, and whatever it logged is in.
    /// </summary>
    public Task<LogEvent> WaitForFailedRequestAsync(int mark, string path) =>
        WaitForAsync(mark, logEvent => IsFrom(logEvent, RequestLogSource) && IsRequestCompleted(logEvent, path) && StatusCode(logEvent) >= 400);

    /// <summary>Fails with every event at Error or above logged since <paramref name="mark"/>.</summary>
    public void AssertNoErrorsSince(int mark)
    {
        var errors = Since(mark).Where(logEvent => logEvent.Level >= LogEventLevel.Error).ToList();
        Assert.True(errors.Count == 0, "logged at Error or above:\n" + string.Join("\n", errors.Select(Describe)));
    }

    /// <summary>Serilog's one line per completed request (<c>UseSerilogRequestLogging</c>) for this path.</summary>
    public static bool IsRequestCompleted(LogEvent logEvent, string path) =>
        logEvent.Properties.TryGetValue("RequestPath", out var value) && value is ScalarValue { Value: string logged } && logged == path
        && logEvent.Properties.ContainsKey("StatusCode");

    public static int? StatusCode(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("StatusCode", out var value) && value is ScalarValue { Value: int status } ? status : null;

    private Task<T> WaitUntilAsync<T>(Func<T?> lookup)
        where T : class
    {
        lock (_lock)
        {
            if (lookup() is { } found)
            {
                return Task.FromResult(found);
            }

            var seen = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(() => lookup() is { } result && seen.TrySetResult(result));
            return seen.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        }
    }

    private static bool IsFrom(LogEvent logEvent, string source) =>
        logEvent.Properties.TryGetValue("SourceContext", out var context) && context is ScalarValue { Value: string name } && name == source;

    private static string Describe(LogEvent logEvent) =>
        $"[{logEvent.Level}] {logEvent.Properties.GetValueOrDefault("SourceContext")}: {logEvent.RenderMessage()} {logEvent.Exception?.GetType().Name}: {logEvent.Exception?.Message}";
}
