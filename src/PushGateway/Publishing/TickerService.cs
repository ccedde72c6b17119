using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Publishing;

/// <summary>
/// Publishes the server time on <see cref="BuiltInTopics.Ticker"/> as the default SSE event type. Each node
/// ticks for its own clients (<see cref="TickerScope.Node"/>; on a cluster without id or history, as the
/// backplane decides), unless the ticks are to go through the backplane like any message: then the node that
/// claims each interval first ticks for every node's clients, so that there is still one tick per interval.
/// </summary>
internal sealed partial class TickerService(
    IBroadcastHub hub,
    IBackplane backplane,
    TimeProvider timeProvider,
    IOptions<TickerOptions> options,
    GatewayMetrics metrics,
    ILogger<TickerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var clusterWide = options.Value.Scope == TickerScope.Cluster;
        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = timeProvider.GetUtcNow();
                var draft = new MessageDraft([BuiltInTopics.Ticker], EventTypes.Message, Describe(now));
                try
                {
                    if (!clusterWide)
                    {
                        await hub.PublishToThisNodeAsync(draft, stoppingToken).ConfigureAwait(false);
                        metrics.MessagePublished(MessageSources.Ticker);
                        continue;
                    }

                    // Nodes' timers are not aligned: the interval a tick falls in names it on every node.
                    var interval = options.Value.Interval;
                    var slot = now.ToUnixTimeMilliseconds() / (long)interval.TotalMilliseconds;
                    if (!await backplane.TryClaimAsync($"tick:{slot}", interval * 2, stoppingToken).ConfigureAwait(false))
                    {
                        LogTickLeftToAnotherNode(now);
                        continue;
                    }

                    await hub.PublishAsync(draft, stoppingToken).ConfigureAwait(false);
                    metrics.MessagePublished(MessageSources.Ticker);
                }
                catch (BackplaneUnavailableException)
                {
                    LogTickSkipped();
                }
                catch (PublishOutcomeUnknownException)
                {
                    LogTickUnconfirmed();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    internal static string Describe(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var payload = new TickPayload(
            utc.ToString("dddd, d MMMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        return JsonSerializer.Serialize(payload, TickPayloadJsonContext.Default.TickPayload);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tick of {Time:O} left to another node: it claimed that interval first")]
    private partial void LogTickLeftToAnotherNode(DateTimeOffset time);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tick skipped: the backplane is unavailable")]
    private partial void LogTickSkipped();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tick not confirmed by the backplane: it may have been delivered")]
    private partial void LogTickUnconfirmed();
}
