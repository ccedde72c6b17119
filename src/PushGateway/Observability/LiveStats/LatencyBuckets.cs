namespace PushGateway.Observability.LiveStats;

/// <summary>
/// A lock-free latency histogram for one second: log-scale buckets, eight per power of two (each at
/// most 9 % wide), from about 1 µs to 128 s. The bucket is read straight from the bits of the
/// double (exponent and top three mantissa bits), so recording costs one shift and one
/// <see cref="Interlocked.Increment(ref long)"/>.
/// </summary>
internal sealed class LatencyBuckets
{
    private const int MantissaShift = 52 - 3;
    private const double Smallest = 1.0 / (1 << 20);
    private const double Largest = 128;
    private static readonly long FirstKey = BitConverter.DoubleToInt64Bits(Smallest) >> MantissaShift;

    /// <summary>Buckets from <see cref="Smallest"/> up to <see cref="Largest"/>, plus one for anything above.</summary>
    public static readonly int Count = (int)((BitConverter.DoubleToInt64Bits(Largest) >> MantissaShift) - FirstKey) + 1;

    private readonly long[] _counts = new long[Count];

    /// <summary>Records a duration in seconds (negative or NaN counts as the smallest).</summary>
    public void Record(double seconds) => Interlocked.Increment(ref _counts[IndexOf(seconds)]);

    /// <summary>Moves what was recorded so far into <paramref name="into"/> and starts again from zero.</summary>
    public void Drain(long[] into)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            into[i] = Interlocked.Exchange(ref _counts[i], 0);
        }
    }

    internal static int IndexOf(double seconds)
    {
        if (!(seconds > Smallest))
        {
            return 0;
        }

        var key = BitConverter.DoubleToInt64Bits(seconds) >> MantissaShift;
        return (int)Math.Min(key - FirstKey, Count - 1);
    }

    /// <summary>The upper edge of bucket <paramref name="index"/> in seconds: a percentile is reported as at most this.</summary>
    internal static double UpperBound(int index) => BitConverter.Int64BitsToDouble((FirstKey + index + 1) << MantissaShift);

    /// <summary>The <paramref name="quantile"/> (0–1) of the counts in seconds, or null when there are none.</summary>
    public static double? Percentile(ReadOnlySpan<long> counts, long total, double quantile)
    {
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        var seen = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return UpperBound(i);
            }
        }

        return UpperBound(counts.Length - 1);
    }
}
