using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<ConnectionTracker>();
        services.AddHealthChecks();
        return services;
    }

    /// <summary><c>GET /healthz</c>: liveness.</summary>
    public static IEndpointConventionBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/healthz");
}
