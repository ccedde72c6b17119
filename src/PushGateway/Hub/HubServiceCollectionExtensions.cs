using Microsoft.Extensions.DependencyInjection.Extensions;
using PushGateway.Observability;

namespace PushGateway.Hub;

public static class HubServiceCollectionExtensions
{
    /// <summary>The in-process broadcast hub, closed with 1001 / end of stream when the host stops.</summary>
    public static IServiceCollection AddBroadcastHub(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<IBroadcastHub, BroadcastHub>();
        services.AddHostedService<HubShutdownService>();
        return services;
    }
}
