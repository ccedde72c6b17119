using HdrHistogram;

namespace PushGateway.LoadGen;

/// <summary>
/// Publish→receive latencies in microseconds, one HdrHistogram per receiving thread (no locks on
/// the hot path), merged when asked. Only records between <see cref="Start"/> and <see cref="Stop"/>.
/// </summary>
internal static class LatencyRecorder
{
    public const long HighestMicroseconds = 120_000_000;

    private static readonly List<ThreadHistogram> All = [];
    private static volatile bool _recording;
    private static int _generation;

    [ThreadStatic]
    private static ThreadHistogram? _threadHistogram;

    public static void Record(long microseconds)
    {
        if (!_recording)
        {
            return;
        }

        var mine = _threadHistogram ??= Register();
        if (mine.Generation != _generation)
        {
            mine.Histogram.Reset();
            mine.Generation = _generation;
        }

        mine.Histogram.RecordValue(Math.Clamp(microseconds, 1, HighestMicroseconds));
    }

    public static void Start()
    {
        Interlocked.Increment(ref _generation);
        _recording = true;
    }

    public static LongHistogram Stop()
    {
        _recording = false;
        // Let a Record that saw the flag still set finish before its histogram is read.
        Thread.Sleep(50);
        var merged = NewHistogram();
        lock (All)
        {
            foreach (var histogram in All.Where(h => h.Generation == _generation))
            {
                merged.Add(histogram.Histogram);
            }
        }

        return merged;
    }

    public static LongHistogram NewHistogram() => new(HighestMicroseconds, 3);

    /// <summary>Value/count pairs: how a worker hands its histogram to the orchestrator.</summary>
    public static long[][] ToPairs(HistogramBase histogram) =>
        [.. histogram.RecordedValues().Select(v => new[] { v.ValueIteratedTo, v.CountAtValueIteratedTo })];

    public static void AddPairs(LongHistogram histogram, long[][] pairs)
    {
        foreach (var pair in pairs)
        {
            histogram.RecordValueWithCount(pair[0], pair[1]);
        }
    }

    private static ThreadHistogram Register()
    {
        var created = new ThreadHistogram();
        lock (All)
        {
            All.Add(created);
        }

        return created;
    }

    private sealed class ThreadHistogram
    {
        public LongHistogram Histogram { get; } = NewHistogram();

        public int Generation { get; set; } = -1;
    }
}
