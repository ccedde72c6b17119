namespace PushGateway.Observability.LiveStats;

/// <summary>One node's numbers (or the cluster's) for one second.</summary>
/// <param name="T">The end of the second, Unix time in milliseconds (a whole second).</param>
/// <param name="Connections">Open connections by transport (<c>ws</c>, <c>sse</c>) at the end of the second.</param>
/// <param name="Published">Messages accepted in that second; null when the instrument does not exist.</param>
/// <param name="Delivered">Messages handed to connections' transports in that second; null when the instrument does not exist.</param>
/// <param name="Dropped">Slow subscribers dropped in that second; null when the instrument does not exist.</param>
/// <param name="LatencyMs">Publish-to-write latency percentiles of that second's deliveries; null when there were none.</param>
/// <param name="BackplaneUp">Whether the backplane worked; null when the instrument does not exist.</param>
internal sealed record LiveStatsPoint(
    long T,
    IReadOnlyDictionary<string, long> Connections,
    long? Published,
    long? Delivered,
    long? Dropped,
    LatencyPercentiles? LatencyMs,
    bool? BackplaneUp);

/// <summary>Latency percentiles in milliseconds (each the upper edge of a log-scale bucket, at most 9 % above the true value).</summary>
internal sealed record LatencyPercentiles(double P50, double P90, double P99);
