using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace PushGateway.Observability.LiveStats;

/// <summary>
/// Listens to this host's <c>PushGateway</c> meter and turns its measurements into one
/// <see cref="LiveStatsPoint"/> a second. The hot path reports into it, so a measurement costs a
/// tag lookup and an interlocked add, never a lock. Instruments are matched by name; one that does
/// not exist (yet) leaves its figure null instead of failing.
/// </summary>
internal sealed class LiveStatsSampler : IDisposable
{
    private static readonly double[] Quantiles = [0.5, 0.9, 0.99];

    private readonly IMeterFactory _meterFactory;
    private readonly MeterListener _listener = new();
    private readonly Total _published = new();
    private readonly Total _delivered = new();
    private readonly Total _dropped = new();
    private readonly ActiveByTransport _active = new();
    private readonly Latency _latency = new();
    private readonly Gauge _backplaneUp = new();
    private readonly long[] _latencyCounts = new long[LatencyBuckets.Count];
    private readonly Lock _sampling = new();

    public LiveStatsSampler(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        _listener.InstrumentPublished = Subscribe;
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Sink)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Sink)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Sink)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((Sink)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>The numbers since the previous call, as the point of the second ending at <paramref name="end"/>.</summary>
    public LiveStatsPoint Sample(DateTimeOffset end)
    {
        lock (_sampling)
        {
            _backplaneUp.Reset();
            _delivered.BeginObservation();
            _listener.RecordObservableInstruments();
            _latency.Buckets.Drain(_latencyCounts);
            long total = 0;
            foreach (var count in _latencyCounts)
            {
                total += count;
            }

            LatencyPercentiles? latency = null;
            if (total > 0)
            {
                var ms = Array.ConvertAll(Quantiles, q => LatencyBuckets.Percentile(_latencyCounts, total, q)!.Value * 1000);
                latency = new LatencyPercentiles(ms[0], ms[1], ms[2]);
            }

            return new LiveStatsPoint(
                end.ToUnixTimeMilliseconds(),
                _active.Snapshot(),
                _published.TakeDelta(),
                _delivered.TakeDelta(),
                _dropped.TakeDelta(),
                latency,
                _backplaneUp.Latest is { } up ? up > 0 : null);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Subscribe(Instrument instrument, MeterListener listener)
    {
        // Only this host's meter: tests run several gateways in one process, each with its own factory.
        if (instrument.Meter.Name != GatewayMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, _meterFactory))
        {
            return;
        }

        Sink? sink = instrument.Name switch
        {
            "pushgateway.messages.published" => _published,
            "pushgateway.messages.delivered" => _delivered,
            "pushgateway.subscribers.dropped" => _dropped,
            "pushgateway.connections.active" => _active,
            "pushgateway.delivery.duration" => _latency,
            "pushgateway.backplane.up" => _backplaneUp,
            _ => null,
        };
        if (sink is not null)
        {
            sink.Exists = true;
            sink.Observable = instrument.IsObservable;
            listener.EnableMeasurementEvents(instrument, sink);
        }
    }

    private abstract class Sink
    {
        public volatile bool Exists;

        /// <summary>Reports when observed (once per sample, on the sampling thread), not as things happen.</summary>
        public volatile bool Observable;

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public virtual void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);
    }

    /// <summary>
    /// A counter's running total; each sample takes what was added since the last. A counter adds as
    /// things happen; an observable counter reports its totals (one per tag set) when observed, and
    /// those are summed into the running total at each sample.
    /// </summary>
    private sealed class Total : Sink
    {
        private long _total;
        private long _taken;

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Interlocked.Add(ref _total, value);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((long)value, tags);

        /// <summary>Before an observation: an observable counter's totals are summed afresh.</summary>
        public void BeginObservation()
        {
            if (Observable)
            {
                Interlocked.Exchange(ref _total, 0);
            }
        }

        public long? TakeDelta()
        {
            if (!Exists)
            {
                return null;
            }

            var total = Interlocked.Read(ref _total);
            // An observable total that went down (a tag set gone) counts as nothing new, not as negative.
            var delta = Math.Max(0, total - _taken);
            _taken = total;
            return delta;
        }
    }

    /// <summary>An up-down counter summed per <c>transport</c> tag.</summary>
    private sealed class ActiveByTransport : Sink
    {
        private readonly ConcurrentDictionary<string, StrongBox<long>> _byTransport = new(StringComparer.Ordinal);

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var transport = "other";
            foreach (var tag in tags)
            {
                if (tag.Key == "transport" && tag.Value is string name)
                {
                    transport = name;
                }
            }

            Interlocked.Add(ref _byTransport.GetOrAdd(transport, static _ => new StrongBox<long>()).Value, value);
        }

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((long)value, tags);

        public SortedDictionary<string, long> Snapshot()
        {
            var snapshot = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var (transport, count) in _byTransport)
            {
                snapshot[transport] = Interlocked.Read(ref count.Value);
            }

            return snapshot;
        }
    }

    private sealed class Latency : Sink
    {
        public LatencyBuckets Buckets { get; } = new();

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Buckets.Record(value);
    }

    /// <summary>An observable gauge's lowest value in the last observation (any tag down means down).</summary>
    private sealed class Gauge : Sink
    {
        public double? Latest { get; private set; }

        public void Reset() => Latest = null;

        // Called from RecordObservableInstruments, on the sampling thread.
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            Latest = Latest is { } latest ? Math.Min(latest, value) : value;
    }
}
