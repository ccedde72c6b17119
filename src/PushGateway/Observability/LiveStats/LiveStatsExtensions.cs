using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes.Redis;
using PushGateway.Hosting;

namespace PushGateway.Observability.LiveStats;

internal static class LiveStatsExtensions
{
    /// <summary>
    /// The live dashboard's numbers: this host's <c>PushGateway</c> meter sampled every second, kept for
    /// <see cref="LiveStatsOptions.Window"/>, and shared over Redis when that is the backplane.
    /// </summary>
    public static IServiceCollection AddLiveStats(this IServiceCollection services)
    {
        services.AddValidatedOptions<LiveStatsOptions>(LiveStatsOptions.Section);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveStatsSampler>();
        services.TryAddSingleton(provider => new LiveStatsStore(
            provider.GetRequiredService<IOptions<RedisOptions>>().Value.Enabled
                ? provider.GetRequiredService<RedisConnection>().NodeId
                : Guid.NewGuid().ToString("N"),
            provider.GetRequiredService<IOptions<LiveStatsOptions>>().Value.Capacity));
        services.TryAddSingleton<LiveStatsService>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveStatsService>());
        services.AddHostedService<RedisLiveStatsShare>();
        return services;
    }

    /// <summary><c>GET /dashboard/stats</c>: what <c>dashboard.html</c> draws; readable by whoever may read <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dashboard/stats", GetStats)
            .RequireMetricsAccess()
            .WithName("GetDashboardStats")
            .WithSummary("One point a second over the last minutes: connections, messages in and out, drops, latency, backplane; per node and for the cluster")
            .Produces<LiveStatsResponse>()
            .ProducesValidationProblem();
        return endpoints;
    }

    /// <param name="context">The request; <c>?since=</c> (Unix ms) asks for the points after that time only.</param>
    /// <param name="store">The points.</param>
    private static IResult GetStats(HttpContext context, LiveStatsStore store)
    {
        var since = long.MinValue;
        var values = context.Request.Query["since"];
        if (values.Count > 1)
        {
            return Problems.Invalid("since", Problems.GivenTwice);
        }

        if (values.Count == 1 && !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out since))
        {
            return Problems.Invalid("since", "A time in Unix milliseconds (digits only) is expected.");
        }

        return TypedResults.Json(store.Read(since), LiveStatsJsonContext.Default.LiveStatsResponse);
    }
}
