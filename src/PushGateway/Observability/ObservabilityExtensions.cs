using System.Globalization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace PushGateway.Observability;

internal static class ObservabilityExtensions
{
    public const string LivenessPath = "/healthz";

    public const string ReadinessPath = "/readyz";

    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Serilog to the console, as text or JSON (<see cref="GatewayLoggingOptions"/>), with the levels below unless the
    /// <c>Serilog</c> section says otherwise (it may also add sinks). The defaults are in code so that the gateway
    /// logs even where no <c>appsettings.json</c> is found. Each host builds its own logger (no static bootstrap
    /// logger), so several hosts can run in one process, as in tests.
    /// </summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayLoggingOptions>()
            .BindConfiguration(GatewayLoggingOptions.Section)
            .Validate(options => Enum.IsDefined(options.Format), "PushGateway:Logging:Format must be Text or Json.")
            .Validate(options => options.RequestSummaryInterval >= TimeSpan.Zero, "PushGateway:Logging:RequestSummaryInterval must not be negative.")
            .ValidateOnStart();
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                logger.MinimumLevel.Information()
                    .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                    // Kestrel warns once per connection it refuses at its cap: the gateway logs each episode once instead.
                    .MinimumLevel.Override("Microsoft.AspNetCore.Server.Kestrel.Connections", LogEventLevel.Error)
                    .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                    // An unhealthy check is an Error per probe (every few seconds, through an outage or a drain);
                    // the backplane and the drain log their own state once.
                    .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
                    .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                    .ReadFrom.Services(services)
                    .Enrich.FromLogContext();
                if (services.GetRequiredService<IOptions<GatewayLoggingOptions>>().Value.Format == LogFormat.Json)
                {
                    logger.WriteTo.Console(new CompactJsonFormatter());
                }
                else
                {
                    logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture);
                }
            },
            preserveStaticLogger: true);
        builder.Services.TryAddSingleton<RequestSummary>();
        builder.Services.AddHostedService<RequestSummaryService>();
        return builder;
    }

    /// <summary>
    /// Counts every answered request for the periodic summary line; first in the pipeline after admission, so that
    /// it sees the status the client got.
    /// </summary>
    public static IApplicationBuilder UseRequestSummary(this IApplicationBuilder app)
    {
        var summary = app.ApplicationServices.GetRequiredService<RequestSummary>();
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch
            {
                summary.Count(context, StatusCodes.Status500InternalServerError);
                throw;
            }

            summary.Count(context, context.Response.StatusCode);
        });
    }

    /// <summary><see cref="LivenessPath"/> and <see cref="ReadinessPath"/>, which load balancers and orchestrators poll.</summary>
    public static bool IsHealthProbe(PathString path) =>
        path.Equals(LivenessPath, StringComparison.OrdinalIgnoreCase) || path.Equals(ReadinessPath, StringComparison.OrdinalIgnoreCase);

    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddGatewayMetrics();
        services.TryAddSingleton<ConnectionTracker>();
        services.AddHealthChecks();
        return services;
    }

    /// <summary>
    /// <c>GET /healthz</c>: liveness (the process answers); <c>GET /readyz</c>: readiness (the checks
    /// tagged ready, such as the backplane), 503 when one is unhealthy or degraded (a node draining on its way out),
    /// with each check's status and description in a JSON body (<see cref="ReadinessResponse"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false });
        var ready = new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(BackplaneServiceCollectionExtensions.ReadyTag),
            ResponseWriter = ReadinessResponse.WriteAsync,
        };
        ready.ResultStatusCodes[HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable;
        endpoints.MapHealthChecks(ReadinessPath, ready);
        return endpoints;
    }
}
