using System.Collections.Concurrent;
using System.Net;

namespace PushGateway.Observability;

/// <summary>Logs and counts long-lived connections as they open and close.</summary>
internal sealed partial class ConnectionTracker(GatewayMetrics metrics, TimeProvider timeProvider, ILogger<ConnectionTracker> logger)
{
    private readonly ConcurrentDictionary<string, long> _active = new(StringComparer.Ordinal);

    /// <summary>Open connections by transport.</summary>
    public IReadOnlyDictionary<string, long> ActiveByTransport() => new SortedDictionary<string, long>(_active, StringComparer.Ordinal);

    /// <summary>Records an opened connection; returns the timestamp to hand to <see cref="Closed"/>.</summary>
    public long Opened(string transport, string connectionId, IPAddress? remoteAddress)
    {
        metrics.ConnectionOpened(transport);
        _active.AddOrUpdate(transport, 1, static (_, count) => count + 1);
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogOpened(transport, connectionId, remoteAddress);
        }

        return timeProvider.GetTimestamp();
    }

    /// <param name="transport"><c>ws</c> or <c>sse</c>.</param>
    /// <param name="connectionId">The server's id of the connection.</param>
    /// <param name="remoteAddress">The client's address.</param>
    /// <param name="openedAt">What <see cref="Opened"/> returned.</param>
    /// <param name="reason">Why it closed, for the log.</param>
    /// <param name="reasonCategory">Why it closed, for the metrics: a <see cref="Transports.ConnectionCloseReason.Category"/>.</param>
    public void Closed(string transport, string connectionId, IPAddress? remoteAddress, long openedAt, string reason, string reasonCategory)
    {
        metrics.ConnectionClosed(transport, reasonCategory);
        _active.AddOrUpdate(transport, 0, static (_, count) => count - 1);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var duration = timeProvider.GetElapsedTime(openedAt);
            LogClosed(transport, connectionId, remoteAddress, duration, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Transport} connection {ConnectionId} opened from {RemoteAddress}")]
    private partial void LogOpened(string transport, string connectionId, IPAddress? remoteAddress);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Transport} connection {ConnectionId} from {RemoteAddress} closed after {Duration}: {CloseReason}")]
    private partial void LogClosed(string transport, string connectionId, IPAddress? remoteAddress, TimeSpan duration, string closeReason);
}
