using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace PushGateway.Observability;

public static class MetricsExtensions
{
    /// <summary>Set (as an environment variable), metrics are also pushed over OTLP to this collector.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Where Prometheus scrapes.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// The meters exported besides the gateway's own: requests and connections as ASP.NET Core and
    /// Kestrel count them (with the memory pool, exceptions, rate limiting and authentication), and the
    /// runtime's.
    /// </summary>
    internal static readonly string[] BuiltInMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.MemoryPool",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        // Built into .NET 9 and later, named after the OpenTelemetry conventions (dotnet.gc.*,
        // dotnet.thread_pool.*, ...): OpenTelemetry.Instrumentation.Runtime adds nothing on .NET 10 but
        // a dependency. (SignalR's Http.Connections meter and System.Net's are left out: the gateway
        // runs no SignalR hub and makes no outbound HTTP calls.)
        "System.Runtime",
    ];

    /// <summary>
    /// The gateway's instruments, exported through OpenTelemetry: a Prometheus scrape endpoint (see
    /// <see cref="MapGatewayMetrics"/>), and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
    /// exporter reads the other <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
    /// </summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter([GatewayMetrics.MeterName, .. BuiltInMeters]).AddPrometheusExporter();
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable)))
            {
                metrics.AddOtlpExporter();
            }
        });
        return services;
    }

    /// <summary><c>GET /metrics</c>, in the Prometheus text format, readable as <see cref="MetricsOptions.Access"/> says.</summary>
    public static IEndpointConventionBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(ScrapePath).RequireMetricsAccess().WithDisplayName("Prometheus metrics");
}
