using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Hosting;

internal static class DrainExtensions
{
    /// <summary>Time the host keeps after the drain and the closing handshakes, for Kestrel to finish the last requests.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The paced drain on stop (<see cref="DrainService"/>, <see cref="ShutdownOptions"/>), its readiness check,
    /// and a host shutdown timeout long enough for it: raised, when shorter, to the drain window plus the longest
    /// close timeout plus 5 seconds (the default 30 seconds fits the default 5-second window).
    /// </summary>
    public static IServiceCollection AddGatewayDrain(this IServiceCollection services)
    {
        services.AddValidatedOptions<ShutdownOptions>(ShutdownOptions.Section);
        services.AddOptions<HostOptions>()
            .PostConfigure<IOptions<ShutdownOptions>, IOptions<WebSocketTransportOptions>, IOptions<SseTransportOptions>>(
                static (host, shutdown, webSockets, sse) =>
                {
                    var needed = shutdown.Value.DrainWindow + Max(webSockets.Value.CloseTimeout, sse.Value.CloseTimeout) + StopMargin;
                    if (host.ShutdownTimeout != Timeout.InfiniteTimeSpan && host.ShutdownTimeout < needed)
                    {
                        host.ShutdownTimeout = needed;
                    }
                });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayDrain>();
        services.AddHostedService<DrainService>();
        services.AddHealthChecks().AddCheck<DrainHealthCheck>("drain", tags: [BackplaneServiceCollectionExtensions.ReadyTag]);
        return services;
    }

    /// <summary>
    /// Counts the endpoint's requests as publishes for the drain: at its end they are answered 503 with
    /// Retry-After, and those already in flight finish before the node closes its last connections.
    /// </summary>
    public static TBuilder RequireOpenForPublishing<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var drain = invocation.HttpContext.RequestServices.GetRequiredService<GatewayDrain>();
            if (!drain.TryEnterPublish())
            {
                return GatewayDrain.RefusePublish(invocation.HttpContext);
            }

            try
            {
                return await next(invocation).ConfigureAwait(false);
            }
            finally
            {
                drain.LeavePublish();
            }
        });

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
