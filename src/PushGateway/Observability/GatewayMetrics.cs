using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using PushGateway.Backplanes;

namespace PushGateway.Observability;

/// <summary>
/// The gateway's instruments, on the meter <c>PushGateway</c> (names and units after the OpenTelemetry
/// conventions; the README's "Metrics" section lists them). The dashboard reads them by name.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "PushGateway";

    /// <summary>Sub-millisecond (a fan-out on an idle node) to seconds (a stalled client, a Redis timeout).</summary>
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly ConcurrentDictionary<string, DeliveryRecorder> _deliveries = new(StringComparer.Ordinal);
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _closed;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _evicted;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _replayed;
    private readonly Histogram<double> _backplanePublishDuration;
    private readonly Counter<long> _compressed;
    private readonly Counter<long> _compressedBytes;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("pushgateway.messages.published", "{message}",
            "Messages accepted on this node, by source: publish_api (POST /publish), websocket (chat), ticker.");
        meter.CreateObservableCounter("pushgateway.messages.delivered", () => _deliveries.Values.Select(recorder => recorder.Total), "{message}",
            "Live messages handed to connections' transports, by transport (one per message per connection; replays not included).");
        _deliveryDuration = meter.CreateHistogram("pushgateway.delivery.duration", "s",
            "From a message's acceptance (on Redis: its arrival on this node) to the moment a connection's batch holding it was " +
            "written and flushed, for the batch's oldest message; sampled: at most one batch per 10 ms per transport.", advice: DurationBuckets);
        _dropped = meter.CreateCounter<long>("pushgateway.subscribers.dropped", "{subscriber}", "Subscribers dropped because their queue was full.");
        _opened = meter.CreateCounter<long>("pushgateway.connections.opened", "{connection}", "Connections opened, by transport.");
        _closed = meter.CreateCounter<long>("pushgateway.connections.closed", "{connection}", "Connections closed, by transport and reason.");
        _active = meter.CreateUpDownCounter<long>("pushgateway.connections.active", "{connection}", "Connections open now, by transport.");
        _refused = meter.CreateCounter<long>("pushgateway.connections.refused", "{connection}",
            "Connections refused: at the node's cap (capacity), at the address's cap (address), or /ws and /sse past the node's cap (streams) or the address's (address_streams).");
        _evicted = meter.CreateCounter<long>("pushgateway.connections.evicted", "{connection}",
            "Idle connections (no request running) closed to make room at the node's connection cap.");
        _resumes = meter.CreateCounter<long>("pushgateway.resumes", "{resume}",
            "Subscriptions that resumed after a last event id, by transport and outcome (complete, or gap when some of what was missed is no longer held).");
        _replayed = meter.CreateCounter<long>("pushgateway.resume.replayed", "{message}", "Held messages replayed to resuming subscribers, by transport.");
        _backplanePublishDuration = meter.CreateHistogram("pushgateway.backplane.publish.duration", "s",
            "Time the backplane took to take a publish (assign the id, keep it in history, hand it on), by backplane; " +
            "failures carry error.type.", advice: DurationBuckets);
        _compressed = meter.CreateCounter<long>("pushgateway.websocket.compressed", "{message}",
            "Messages deflated for permessage-deflate sockets, by format (ws-text+deflate for chat, ws-json+deflate for the sub-protocol): " +
            "once per message and format, however many sockets it goes to.");
        _compressedBytes = meter.CreateCounter<long>("pushgateway.websocket.compressed.bytes", "By",
            "Payload bytes of the messages deflated, by stage: before (the plain payload) and after (the compressed one).");
    }

    /// <summary>A message this node accepted from <paramref name="source"/> (see <see cref="MessageSources"/>).</summary>
    public void MessagePublished(string source) => _published.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>
    /// Where the writers of <paramref name="transport"/>'s connections record each batch: after the write,
    /// nothing per message, nothing inside the hub's lock. Look it up once per connection.
    /// </summary>
    public DeliveryRecorder Deliveries(string transport) =>
        _deliveries.GetOrAdd(transport, static (name, histogram) => new DeliveryRecorder(name, histogram), _deliveryDuration);

    public void SubscriberDropped(string transport) => _dropped.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void Resumed(string transport, bool complete, int replayed)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _resumes.Add(1, tag, new KeyValuePair<string, object?>("outcome", complete ? "complete" : "gap"));
        if (replayed > 0)
        {
            _replayed.Add(replayed, tag);
        }
    }

    public void ConnectionOpened(string transport)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _opened.Add(1, tag);
        _active.Add(1, tag);
    }

    /// <param name="transport"><c>ws</c> or <c>sse</c>.</param>
    /// <param name="reason">A <see cref="Transports.ConnectionCloseReason.Category"/>.</param>
    public void ConnectionClosed(string transport, string reason)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _active.Add(-1, tag);
        _closed.Add(1, tag, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>A message's payload of <paramref name="before"/> bytes deflated to <paramref name="after"/> for <paramref name="format"/>.</summary>
    public void MessageCompressed(string format, int before, int after)
    {
        _compressed.Add(1, new KeyValuePair<string, object?>("format", format));
        _compressedBytes.Add(before, new KeyValuePair<string, object?>("stage", "before"));
        _compressedBytes.Add(after, new KeyValuePair<string, object?>("stage", "after"));
    }

    public void ConnectionEvicted() => _evicted.Add(1);

    public void ConnectionRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A publish the backplane took (<paramref name="errorType"/> null) or failed, since <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void BackplanePublished(string backplane, long startedAt, string? errorType = null)
    {
        if (!_backplanePublishDuration.Enabled)
        {
            return;
        }

        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var tag = new KeyValuePair<string, object?>("backplane", backplane);
        if (errorType is null)
        {
            _backplanePublishDuration.Record(seconds, tag);
        }
        else
        {
            _backplanePublishDuration.Record(seconds, tag, new KeyValuePair<string, object?>("error.type", errorType));
        }
    }

    /// <summary>
    /// <c>pushgateway.backplane.up</c> and, for a backplane that has one, <c>pushgateway.backplane.lag</c>:
    /// read from <paramref name="backplane"/> when a reader collects.
    /// </summary>
    public void ObserveBackplane(IBackplane backplane)
    {
        var tag = new KeyValuePair<string, object?>("backplane", backplane.Name);
        _meter.CreateObservableGauge("pushgateway.backplane.up", () => new Measurement<int>(backplane.IsAvailable ? 1 : 0, tag), "1",
            "1 while the backplane works (always, in-process), 0 during an outage.");
        _meter.CreateObservableGauge("pushgateway.backplane.lag",
            () => backplane.DeliveryLag is { } lag ? [new Measurement<double>(lag.TotalSeconds, tag)] : Array.Empty<Measurement<double>>(), "s",
            "How far this node's delivery is behind the backplane (Redis only; 0 when it has read to the end of the delivery stream).");
    }
}
