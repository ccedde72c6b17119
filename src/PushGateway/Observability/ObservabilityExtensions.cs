using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PushGateway.Backplanes;
using Serilog;

namespace PushGateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Serilog, configured from the <c>Serilog</c> section. Each host builds its own logger (no static
    /// bootstrap logger), so several hosts can run in one process, as in tests.
    /// </summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .ReadFrom.Services(services)
                .Enrich.FromLogContext(),
            preserveStaticLogger: true);
        return builder;
    }

    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddGatewayMetrics();
        services.TryAddSingleton<ConnectionTracker>();
        services.AddHealthChecks();
        return services;
    }

    /// <summary>
    /// <c>GET /healthz</c>: liveness (the process answers); <c>GET /readyz</c>: readiness (the checks
    /// tagged ready, such as the backplane).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(BackplaneServiceCollectionExtensions.ReadyTag) });
        return endpoints;
    }
}
