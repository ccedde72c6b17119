using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PushGateway.Observability;

/// <summary>
/// Counts answered requests by method, route and status, for <see cref="RequestSummaryService"/>'s periodic line.
/// Keys are bounded whatever clients send: unknown methods count as <c>OTHER</c>, paths as their route pattern.
/// </summary>
internal sealed class RequestSummary
{
    /// <summary>Distinct keys kept per interval; more (only reachable by odd statuses) fold into one.</summary>
    private const int MaxKeys = 256;

    private static readonly RequestKey Overflow = new("*", "*", 0);

    private ConcurrentDictionary<RequestKey, Counter> _counts = new();

    public void Count(HttpContext context, int status)
    {
        var counts = Volatile.Read(ref _counts);
        var key = new RequestKey(MethodOf(context.Request.Method), RouteOf(context), status);
        if (!counts.TryGetValue(key, out var counter))
        {
            counter = counts.Count < MaxKeys ? counts.GetOrAdd(key, static _ => new Counter()) : counts.GetOrAdd(Overflow, static _ => new Counter());
        }

        Interlocked.Increment(ref counter.Value);
    }

    /// <summary>The counts since the last call, most frequent first ("1,204 × POST /publish 200; …"), and their total.</summary>
    public (long Total, string Text) Take()
    {
        var counts = Interlocked.Exchange(ref _counts, new ConcurrentDictionary<RequestKey, Counter>());
        var lines = counts.Select(pair => (pair.Key, Count: Interlocked.Read(ref pair.Value.Value))).Where(line => line.Count > 0)
            .OrderByDescending(line => line.Count).ThenBy(line => line.Key.Route, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        foreach (var (key, count) in lines)
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(CultureInfo.InvariantCulture, $"{count:N0} × ")
                .Append(key == Overflow ? "other requests" : $"{key.Method} {key.Route} {key.Status}");
        }

        return (lines.Sum(line => line.Count), text.ToString());
    }

    private static string MethodOf(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsPost(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method)
            ? HttpMethods.GetCanonicalizedValue(method)
            : "OTHER";

    /// <summary>The endpoint's route pattern; static files and unmatched paths have none.</summary>
    private static string RouteOf(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } ? pattern : "(no route)";

    private readonly record struct RequestKey(string Method, string Route, int Status);

    private sealed class Counter
    {
        public long Value;
    }
}
