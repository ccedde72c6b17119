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
    /// How often, on average, one connection adds to the histogram. The SDK updates a histogram under a
    /// lock: recording every batch of every connection made the fan-out benchmark ten times slower at
    /// 10,000 parked readers, and so did, once a second, all of them recording in the same broadcast.
    /// Each connection's next sample is therefore due at a random moment 0.5 to 1.5 s after its last:
    /// a busy node still gets a sample a second from each connection, spread out.
    /// </summary>
    private const long LatencySampleIntervalMilliseconds = 1000;

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
    /// when the connection's <paramref name="nextLatencySample"/> (its own field, 0 at first; in
    /// <see cref="Environment.TickCount64"/> milliseconds, the cheap clock for deciding) has come.
    /// </summary>
    public void Delivered(int count, long oldestAcceptedAt, ref long nextLatencySample)
    {
        Interlocked.Add(ref _counts[(Thread.GetCurrentProcessorId() & _mask) * Stride], count);
        var now = Environment.TickCount64;
        if (now >= nextLatencySample && _duration.Enabled)
        {
            nextLatencySample = now + (LatencySampleIntervalMilliseconds / 2) + Random.Shared.NextInt64(LatencySampleIntervalMilliseconds);
            _duration.Record(Stopwatch.GetElapsedTime(oldestAcceptedAt).TotalSeconds, _tag);
        }
    }
}
