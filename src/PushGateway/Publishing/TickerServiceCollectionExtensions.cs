namespace PushGateway.Publishing;

public static class TickerServiceCollectionExtensions
{
    /// <summary>The server-time ticker (<see cref="TickerOptions"/>).</summary>
    public static IServiceCollection AddTicker(this IServiceCollection services)
    {
        services.AddOptions<TickerOptions>().BindConfiguration(TickerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<TickerService>();
        return services;
    }
}
