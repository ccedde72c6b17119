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
    private long _highest;

    public ServerConnectionCounter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == ActiveConnections && instrument.Meter.Name == KestrelMeter && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, change, _, _) => Record(change));
        _listener.Start();
    }

    public long Open => Interlocked.Read(ref _open);

    /// <summary>
    /// The highest count since the previous call (at least the count now): a burst of connections
    /// that opens and closes between two looks still shows.
    /// </summary>
    public long TakeHighest() => Math.Max(Interlocked.Exchange(ref _highest, 0), Open);

    private void Record(long change)
    {
        var open = Interlocked.Add(ref _open, change);
        var highest = Volatile.Read(ref _highest);
        while (open > highest)
        {
            var seen = Interlocked.CompareExchange(ref _highest, open, highest);
            if (seen == highest)
            {
                return;
            }

            highest = seen;
        }
    }

    public void Dispose() => _listener.Dispose();
}
