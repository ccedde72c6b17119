using Microsoft.Extensions.DependencyInjection.Extensions;
using PushGateway.Backplanes;
using PushGateway.Backplanes.InProcess;
using PushGateway.Observability;

namespace PushGateway.Hub;

public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// The broadcast hub on the in-process backplane unless another <see cref="IBackplane"/> was added
    /// first; closed with 1001 / end of stream when the host stops.
    /// </summary>
    public static IServiceCollection AddBroadcastHub(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<IBackplane, InProcessBackplane>();
        services.TryAddSingleton<IBroadcastHub, BroadcastHub>();
        services.AddHostedService<HubShutdownService>();
        return services;
    }
}
