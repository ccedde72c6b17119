using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes.InProcess;
using PushGateway.Backplanes.Redis;
using PushGateway.Hosting;

namespace PushGateway.Backplanes;

internal static class BackplaneServiceCollectionExtensions
{
    /// <summary>Tag of the readiness checks served at <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// The backplane: Redis when <c>PushGateway:Redis:Configuration</c> is set, else in-process. Chosen
    /// when first resolved, so that every configuration source (files, environment, tests) counts. Started
    /// with the host, with the hub (<see cref="IDeliveryTarget"/>) as its delivery target.
    /// </summary>
    public static IServiceCollection AddBackplanes(this IServiceCollection services)
    {
        services.AddValidatedOptions<RedisOptions>(RedisOptions.Section);
        services.TryAddSingleton<InProcessBackplane>();
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisBackplane>();
        services.TryAddSingleton<IBackplane>(provider => provider.GetRequiredService<IOptions<RedisOptions>>().Value.Enabled
            ? provider.GetRequiredService<RedisBackplane>()
            : provider.GetRequiredService<InProcessBackplane>());
        services.AddHostedService<BackplaneHost>();
        services.AddHealthChecks().AddCheck<BackplaneHealthCheck>("backplane", tags: [ReadyTag]);
        return services;
    }
}
