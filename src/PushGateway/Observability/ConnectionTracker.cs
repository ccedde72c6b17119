using System.Net;

namespace PushGateway.Observability;

/// <summary>Logs and counts long-lived connections as they open and close.</summary>
internal sealed partial class ConnectionTracker(GatewayMetrics metrics, TimeProvider timeProvider, ILogger<ConnectionTracker> logger)
{
    /// <summary>Records an opened connection; returns the timestamp to hand to <see cref="Closed"/>.</summary>
    public long Opened(HttpContext context, string transport)
    {
        metrics.ConnectionOpened(transport);
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogOpened(transport, context.Connection.Id, context.Connection.RemoteIpAddress);
        }

        return timeProvider.GetTimestamp();
    }

    public void Closed(HttpContext context, string transport, long openedAt, string reason)
    {
        metrics.ConnectionClosed(transport);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var duration = timeProvider.GetElapsedTime(openedAt);
            LogClosed(transport, context.Connection.Id, context.Connection.RemoteIpAddress, duration, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Transport} connection {ConnectionId} opened from {RemoteAddress}")]
    private partial void LogOpened(string transport, string connectionId, IPAddress? remoteAddress);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Transport} connection {ConnectionId} from {RemoteAddress} closed after {Duration}: {CloseReason}")]
    private partial void LogClosed(string transport, string connectionId, IPAddress? remoteAddress, TimeSpan duration, string closeReason);
}
