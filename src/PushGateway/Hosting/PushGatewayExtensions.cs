using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Observability.LiveStats;
using PushGateway.Publishing;
using PushGateway.Security;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;
using Serilog;

namespace PushGateway.Hosting;

internal static class PushGatewayExtensions
{
    /// <summary>Where the host listens when nothing else (urls, ports, Kestrel endpoints) is configured.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>
    /// Listens on <see cref="DefaultUrl"/> unless ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, --urls or
    /// Kestrel endpoints say otherwise.
    /// </summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])
            && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"])
            && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    public static IServiceCollection AddPushGateway(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddGatewayObservability();
        services.AddGatewaySecurity();
        services.AddBroadcastHub();
        services.AddWebSocketTransport();
        services.AddSseTransport();
        services.AddPublishing();
        services.AddMemoryReclaim();
        services.AddLiveStats();
        services.AddGatewayDrain();
        services.AddOpenApi();
        return services;
    }

    public static WebApplication MapPushGateway(this WebApplication app)
    {
        app.UseConnectionAdmission();
        app.UseRequestSummary();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The host's own logger: the static Serilog logger stays unset (see AddGatewayLogging).
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.GetLevel = RequestLogLevels.For;
        });
        app.UseSecurityHeaders();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseWebSocketWriteBatching();
        app.UseWebSockets();
        app.UseCors();
        app.UseAuthentication();
        app.UseMetricsAccess();
        app.UseRateLimiter();

        app.MapGatewayHealth();
        app.MapWebSocketTransport();
        app.MapSseTransport();
        app.MapPublishApi();
        app.MapPresence();
        app.MapStats();
        app.MapLimits();
        app.MapGatewayMetrics();
        app.MapDashboard();
        app.MapOpenApi();
        return app;
    }
}
