using System.Globalization;
using HdrHistogram;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>Publish→receive latency of the well-behaved subscribers over one phase of a scenario.</summary>
internal static class Latency
{
    /// <summary>Records from now until the returned phase is ended.</summary>
    public static void Begin() => LatencyRecorder.Start();

    /// <summary>"p50 1.2 ms, p99 8.0 ms, max 40.1 ms (12,345 deliveries)".</summary>
    public static string End()
    {
        var histogram = LatencyRecorder.Stop();
        return Describe(histogram);
    }

    private static string Describe(LongHistogram histogram) => histogram.TotalCount == 0
        ? "no deliveries"
        : string.Create(CultureInfo.InvariantCulture,
            $"p50 {Ms(histogram.GetValueAtPercentile(50))}, p99 {Ms(histogram.GetValueAtPercentile(99))}, max {Ms(histogram.GetMaxValue())} ({histogram.TotalCount:N0} deliveries)");

    private static string Ms(long microseconds) => (microseconds / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
