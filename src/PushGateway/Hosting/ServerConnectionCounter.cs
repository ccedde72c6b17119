using System.Diagnostics.Metrics;

namespace PushGateway.Hosting;

/// <summary>
/// Connections open on this host's Kestrel, of every kind (requests, WebSockets, streams, and bare
/// TCP connections that never send a request), read from Kestrel's own
/// <c>kestrel.active_connections</c> instrument. Only the meter of this host's
/// <see cref="IMeterFactory"/> counts: several hosts may share a process (tests).
/// </summary>
internal sealed class ServerConnectionCounter : IDisposable
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string ActiveConnections = "kestrel.active_connections";

    private readonly MeterListener _listener = new();
    private long _open;

    public ServerConnectionCounter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == ActiveConnections && instrument.Meter.Name == KestrelMeter && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, change, _, _) => Interlocked.Add(ref _open, change));
        _listener.Start();
    }

    public long Open => Interlocked.Read(ref _open);

    public void Dispose() => _listener.Dispose();
}
