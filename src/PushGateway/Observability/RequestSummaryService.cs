using Microsoft.Extensions.Options;

namespace PushGateway.Observability;

/// <summary>Logs <see cref="RequestSummary"/>'s counts once per <see cref="GatewayLoggingOptions.RequestSummaryInterval"/>, and once more at shutdown.</summary>
internal sealed partial class RequestSummaryService(
    RequestSummary summary, IOptions<GatewayLoggingOptions> options, TimeProvider timeProvider, ILogger<RequestSummaryService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RequestSummaryInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, timeProvider);
        var since = timeProvider.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                since = Flush(since);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Flush(since);
        }
    }

    /// <summary>Logs the counts since <paramref name="since"/>; returns the new start.</summary>
    private long Flush(long since)
    {
        var now = timeProvider.GetTimestamp();
        var (total, text) = summary.Take();
        if (total > 0)
        {
            var interval = TimeSpan.FromSeconds(Math.Round(timeProvider.GetElapsedTime(since, now).TotalSeconds));
            LogSummary(total, interval, text);
        }

        return now;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{RequestCount} requests answered in the last {Interval}: {Requests}")]
    private partial void LogSummary(long requestCount, TimeSpan interval, string requests);
}
