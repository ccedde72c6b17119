using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using PushGateway.Hosting;

namespace PushGateway.Observability;

internal static class MetricsExtensions
{
    /// <summary>Set (as an environment variable), metrics are also pushed over OTLP to this collector.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Where Prometheus scrapes.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// The gateway's meter, and requests and connections as ASP.NET Core and Kestrel count them (with
    /// the memory pool, exceptions, rate limiting and authentication).
    /// </summary>
    internal static readonly string[] HostMeters =
    [
        GatewayMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.MemoryPool",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
    ];

    /// <summary>
    /// Built into .NET 9 and later, named after the OpenTelemetry conventions (<c>dotnet.gc.*</c>,
    /// <c>dotnet.thread_pool.*</c>, ...): OpenTelemetry.Instrumentation.Runtime adds nothing to it on .NET 10
    /// but a dependency. (SignalR's <c>Microsoft.AspNetCore.Http.Connections</c> and <c>System.Net.*</c> are
    /// left out: the gateway runs no SignalR hub and makes no outbound HTTP calls.)
    /// </summary>
    internal const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// The gateway's instruments, exported through OpenTelemetry: a Prometheus scrape endpoint (see
    /// <see cref="MapGatewayMetrics"/>), and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
    /// exporter reads the other <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
    /// </summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.AddValidatedOptions<MetricsOptions>(MetricsOptions.Section);
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter([.. HostMeters, RuntimeMeter]).AddPrometheusExporter();
            // The gateway's and ASP.NET Core's meters come from the host's IMeterFactory: export this host's,
            // not those of another host in the same process (as in tests), whose meters have the same names.
            ((IDeferredMeterProviderBuilder)metrics).Configure((provider, builder) =>
            {
                var own = provider.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument =>
                    instrument.Meter.Scope is IMeterFactory factory && factory != own ? MetricStreamConfiguration.Drop : null);
            });
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
