using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace PushGateway.Observability;

/// <summary>
/// What the connections of one transport record as they write, once per batch: the messages handed to
/// the transport (<c>pushgateway.messages.delivered</c>) and, sampled, how long the batch's oldest message
/// waited (<c>pushgateway.delivery.duration</c>). Every connection writes here after every batch, so
/// the count is a sum striped by processor, read when a collector asks, rather than a counter each
/// batch adds to (a measurement through the SDK costs more than the rest of a parked reader's wake-up:
/// see bench/README.md).
/// </summary>
public sealed class DeliveryRecorder
{
    /// <summary>
    /// How often one connection may add to the histogram: recording every batch of every connection
    /// made the fan-out benchmark several times slower at 10,000 parked readers, once a second per
    /// connection costs nothing measurable and still gives thousands of samples a second on a busy node.
    /// </summary>
    private static readonly long LatencySampleInterval = Stopwatch.Frequency;

    /// <summary>Longs per stripe: one 128-byte block each, so that processors do not share a cache line.</summary>
    private const int Stride = 16;

    private readonly long[] _counts;
    private readonly int _mask;
    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?> _tag;

    internal DeliveryRecorder(string transport, Histogram<double> duration)
    {
        var stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount);
        _counts = new long[stripes * Stride];
        _mask = stripes - 1;
        _duration = duration;
        _tag = new KeyValuePair<string, object?>("transport", transport);
    }

    internal Measurement<long> Total
    {
        get
        {
            var total = 0L;
            for (var i = 0; i < _counts.Length; i += Stride)
            {
                total += Volatile.Read(ref _counts[i]);
            }

            return new Measurement<long>(total, _tag);
        }
    }

    /// <summary>
    /// A batch of <paramref name="count"/> live messages was written, the oldest accepted at
    /// <paramref name="oldestAcceptedAt"/> (a <see cref="Stopwatch"/> timestamp). The latency is recorded
    /// when the connection's <paramref name="nextLatencySample"/> (its own field, 0 at first) has come.
    /// </summary>
    public void Delivered(int count, long oldestAcceptedAt, ref long nextLatencySample)
    {
        Interlocked.Add(ref _counts[(Thread.GetCurrentProcessorId() & _mask) * Stride], count);
        if (!_duration.Enabled)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (now >= nextLatencySample)
        {
            nextLatencySample = now + LatencySampleInterval;
            _duration.Record(Stopwatch.GetElapsedTime(oldestAcceptedAt, now).TotalSeconds, _tag);
        }
    }
}
