using PushGateway.Security;

namespace PushGateway.Transports.WebSockets;

public static class WebSocketTransportExtensions
{
    public static IServiceCollection AddWebSocketTransport(this IServiceCollection services)
    {
        services.AddOptions<WebSocketTransportOptions>()
            .BindConfiguration(WebSocketTransportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebSocketEndpoint>();
        return services;
    }

    /// <summary>Maps <c>/ws</c>. Needs <c>UseWebSockets()</c> earlier in the pipeline.</summary>
    public static IEndpointConventionBuilder MapWebSocketTransport(this IEndpointRouteBuilder endpoints) =>
        // Map, not MapGet: WebSockets over HTTP/2 arrive as CONNECT requests.
        endpoints.Map("/ws", static (HttpContext context, WebSocketEndpoint endpoint) => endpoint.HandleAsync(context)).RequireRateLimiting(RateLimitPolicies.Connections).WithDisplayName("WebSocket chat");
}
