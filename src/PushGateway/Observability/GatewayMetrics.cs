using System.Diagnostics.Metrics;

namespace PushGateway.Observability;

/// <summary>The gateway's instruments, on the meter <c>PushGateway</c>.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "PushGateway";

    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _opened;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _evicted;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("pushgateway.messages.published", "{message}", "Messages published on the hub.");
        _dropped = meter.CreateCounter<long>("pushgateway.subscribers.dropped", "{subscriber}", "Subscribers dropped because their queue was full.");
        _opened = meter.CreateCounter<long>("pushgateway.connections.opened", "{connection}", "Connections opened, by transport.");
        _active = meter.CreateUpDownCounter<long>("pushgateway.connections.active", "{connection}", "Connections open now, by transport.");
        _refused = meter.CreateCounter<long>("pushgateway.connections.refused", "{connection}",
            "Connections refused: at the node's cap (capacity), at the address's cap (address), or /ws and /sse past their cap (streams).");
        _evicted = meter.CreateCounter<long>("pushgateway.connections.evicted", "{connection}",
            "Idle connections (no request running) closed to make room at the node's connection cap.");
    }

    public void MessagePublished() => _published.Add(1);

    public void SubscriberDropped(string transport) => _dropped.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void ConnectionOpened(string transport)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _opened.Add(1, tag);
        _active.Add(1, tag);
    }

    public void ConnectionEvicted() => _evicted.Add(1);

    public void ConnectionRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConnectionClosed(string transport) => _active.Add(-1, new KeyValuePair<string, object?>("transport", transport));
}
