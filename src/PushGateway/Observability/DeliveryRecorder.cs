using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace PushGateway.Observability;

/// <summary>
/// What the connections of one transport record as they write, once per batch: the messages handed to
/// the transport (<c>pushgateway.messages.delivered</c>) and, sampled, how long the batch's oldest message
/// waited (<c>pushgateway.delivery.duration</c>). Every connection writes here after every batch, so
/// the count is a sum striped by processor, read when a collector asks, rather than a counter each
/// batch adds to: a measurement through the OpenTelemetry SDK costs more than the rest of a parked
/// reader's wake-up (see bench/README.md, "Metrics on the hot path").
/// </summary>
internal sealed class DeliveryRecorder
{
    /// <summary>
    /// The histogram takes one batch per this many milliseconds, whichever connection writes it: at most
    /// 100 samples a second per transport. The SDK updates a histogram under a lock, and thousands of
    /// writers recording into it made the fan-out benchmark several times slower at 10,000 parked
    /// readers (every batch, or even each connection once a second).
    /// </summary>
    private const long LatencySampleIntervalMilliseconds = 10;

    /// <summary>Longs per stripe: one 128-byte block each, so that processors do not share a cache line.</summary>
    private const int Stride = 16;

    private readonly long[] _counts;
    private readonly int _mask;
    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?> _tag;
    private long _nextLatencySample;

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
    /// <paramref name="oldestAcceptedAt"/> (a <see cref="Stopwatch"/> timestamp). Its latency is recorded
    /// when it is the first batch (of any connection of the transport) written since the last sample was
    /// due, by <see cref="Environment.TickCount64"/>, the cheap clock: a read of a shared field, written at
    /// most 100 times a second.
    /// </summary>
    public void Delivered(int count, long oldestAcceptedAt)
    {
        Interlocked.Add(ref _counts[(Thread.GetCurrentProcessorId() & _mask) * Stride], count);
        var now = Environment.TickCount64;
        var due = Volatile.Read(ref _nextLatencySample);
        if (now >= due && Interlocked.CompareExchange(ref _nextLatencySample, now + LatencySampleIntervalMilliseconds, due) == due
            && _duration.Enabled)
        {
            _duration.Record(Stopwatch.GetElapsedTime(oldestAcceptedAt).TotalSeconds, _tag);
        }
    }
}
