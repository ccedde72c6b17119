using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PushGateway.Hosting;
using PushGateway.Security;
using PushGateway.Transports.Handoff;
using PushGateway.Transports.WebSockets.Compression;

namespace PushGateway.Transports.WebSockets;

internal static class WebSocketTransportExtensions
{
    public static IServiceCollection AddWebSocketTransport(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebSocketTransportOptions>(WebSocketTransportOptions.Section);
        services.AddValidatedOptions<WebSocketCompressionOptions>(WebSocketCompressionOptions.Section);
        services.AddSingleton<PerMessageDeflate>();
        services.TryAddSingleton<ConnectionRunner>();
        services.AddSingleton<WebSocketEndpoint>();
        return services;
    }

    /// <summary>
    /// Lets <c>/ws</c> connections batch their writes (see <see cref="BatchingUpgradeStream"/>). Must come
    /// before <c>UseWebSockets()</c>, which captures the upgrade feature when a request arrives.
    /// </summary>
    public static IApplicationBuilder UseWebSocketWriteBatching(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            // A socket handed off by the HTTP layer batches on the connection's own pipes (WebSocketOpening).
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade && ConnectionHandoff.For(context) is null)
            {
                var batching = new BatchingUpgradeFeature(upgrade);
                context.Features.Set<IHttpUpgradeFeature>(batching);
                context.Features.Set(batching);
            }

            return next(context);
        });

    /// <summary>
    /// Maps <c>/ws</c>. Needs <c>UseWebSockets()</c> earlier in the pipeline. Left out of
    /// <c>http.server.request.duration</c>: a socket's lifetime is not a request's latency.
    /// </summary>
    public static IEndpointConventionBuilder MapWebSocketTransport(this IEndpointRouteBuilder endpoints) =>
        // Map, not MapGet: WebSockets over HTTP/2 arrive as CONNECT requests.
        endpoints.Map("/ws", static (HttpContext context, WebSocketEndpoint endpoint) => endpoint.HandleAsync(context))
            .RequireStreamAdmission(webSocket: true).WithDisplayName("WebSocket chat")
            .DisableHttpMetrics();
}
