using Microsoft.Extensions.Options;

namespace PushGateway.Backplanes.Redis;

/// <summary>Connects the Redis backplane with the host, when it is the one configured.</summary>
internal sealed class RedisBackplaneHost(IOptions<RedisOptions> options, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.Enabled ? services.GetRequiredService<RedisBackplane>().StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.Value.Enabled ? services.GetRequiredService<RedisBackplane>().StopAsync(cancellationToken) : Task.CompletedTask;
}
