using Microsoft.Extensions.DependencyInjection.Extensions;
using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Observability;

namespace PushGateway.Hub;

internal static class HubServiceCollectionExtensions
{
    /// <summary>The broadcast hub on its backplane (in-process, or Redis when configured).</summary>
    public static IServiceCollection AddBroadcastHub(this IServiceCollection services)
    {
        services.AddValidatedOptions<HubOptions>(HubOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayMetrics>();
        services.AddBackplanes();
        services.TryAddSingleton<BroadcastHub>();
        services.TryAddSingleton<IBroadcastHub>(provider => provider.GetRequiredService<BroadcastHub>());
        // What the backplane delivers to, once the host starts it (BackplaneHost).
        services.TryAddSingleton<IDeliveryTarget>(provider => provider.GetRequiredService<BroadcastHub>());
        return services;
    }
}
