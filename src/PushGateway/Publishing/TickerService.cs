using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PushGateway.Hub;

namespace PushGateway.Publishing;

/// <summary>Publishes the server time on <see cref="Topics.Ticker"/> as the default SSE event type.</summary>
internal sealed class TickerService(IBroadcastHub hub, TimeProvider timeProvider, IOptions<TickerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                hub.Publish(Topics.Ticker, EventTypes.Message, Describe(timeProvider.GetUtcNow()));
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
}
