using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PushGateway.Client;

public static class PushGatewayClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PushPublisher"/> and <see cref="PushSubscriber"/> on <c>IHttpClientFactory</c>. The publisher's
    /// client retries transient failures with the standard resilience handler (every attempt of a publish carries
    /// the same idempotency key); the subscriber's has no timeout, since a stream stays open, and reconnects itself.
    /// </summary>
    public static IServiceCollection AddPushGatewayClient(this IServiceCollection services, Action<PushGatewayClientOptions> configure)
    {
        services.AddOptions<PushGatewayClientOptions>().Configure(configure)
            .Validate(static options => options.BaseAddress is { IsAbsoluteUri: true }, "PushGatewayClientOptions.BaseAddress: an absolute URI is required.")
            .Validate(static options => options.ReconnectDelay > TimeSpan.Zero && options.MaxReconnectDelay >= options.ReconnectDelay,
                "PushGatewayClientOptions: ReconnectDelay must be positive and at most MaxReconnectDelay.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<BearerTokenHandler>();

        // The token handler inside the resilience handler: each attempt asks for the token of its time.
        var publisher = services.AddHttpClient<PushPublisher>(Configure);
        publisher.AddStandardResilienceHandler(static resilience =>
        {
            // No circuit breaker: a gateway's 503 says "nothing was done, retry after Retry-After", and every retry carries
            // the publish's key, so failing fast protects nothing; a breaker opened by an outage of two seconds refused
            // every publish for its break of 5 s after the gateway was back (found by bench/faults, a Redis restart).
            resilience.CircuitBreaker.ShouldHandle = static _ => ValueTask.FromResult(false);
        });
        publisher.AddHttpMessageHandler<BearerTokenHandler>();
        services.AddHttpClient<PushSubscriber>((provider, http) =>
            {
                Configure(provider, http);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler<BearerTokenHandler>();
        return services;
    }

    private static void Configure(IServiceProvider provider, HttpClient http) =>
        http.BaseAddress = provider.GetRequiredService<IOptions<PushGatewayClientOptions>>().Value.BaseAddress;
}
