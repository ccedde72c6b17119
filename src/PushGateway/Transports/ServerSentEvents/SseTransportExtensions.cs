using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Security;

namespace PushGateway.Transports.ServerSentEvents;

internal static class SseTransportExtensions
{
    private const string CorsPolicy = "sse";

    public static IServiceCollection AddSseTransport(this IServiceCollection services)
    {
        services.AddValidatedOptions<SseTransportOptions>(SseTransportOptions.Section);
        services.TryAddSingleton<ConnectionRunner>();
        services.AddSingleton<SseEndpoint>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<SseTransportOptions>>((cors, sse) =>
            cors.AddPolicy(CorsPolicy, policy =>
            {
                if (sse.Value.AllowedOrigins.Count == 0)
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    policy.WithOrigins([.. sse.Value.AllowedOrigins]);
                }

                // Any header: EventSource adds Last-Event-ID on reconnect, which needs a preflight.
                policy.WithMethods(HttpMethods.Get, HttpMethods.Post).AllowAnyHeader().WithExposedHeaders(SseHeaders.Resume);
            }));
        return services;
    }

    /// <summary>
    /// Maps <c>/sse</c> (routing matches <c>/sse/</c> too). Needs <c>UseCors()</c> earlier in the pipeline. Left
    /// out of <c>http.server.request.duration</c>: a stream's lifetime is not a request's latency.
    /// </summary>
    public static IEndpointConventionBuilder MapSseTransport(this IEndpointRouteBuilder endpoints)
    {
        var sse = endpoints.MapGroup("/sse").RequireCors(CorsPolicy)
            .RequireStreamAdmission(webSocket: false).DisableHttpMetrics();
        sse.MapGet("", static (HttpContext context, SseEndpoint endpoint) => endpoint.HandleGetAsync(context)).WithDisplayName("Server-Sent Events");
        sse.MapPost("", static (HttpContext context, SseEndpoint endpoint) => endpoint.HandlePostAsync(context)).WithDisplayName("Server-Sent Events (POST)");
        return sse;
    }
}
