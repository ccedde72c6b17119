using Microsoft.Extensions.Options;

namespace PushGateway.Backplanes.Redis;

/// <summary>Connects the Redis backplane with the host, when it is the one configured.</summary>
internal sealed class RedisBackplaneHost(IOptions<RedisOptions> options, IServiceProvider services) : IHostedService
{
    // Resolved at start and kept: while the host stops, its service provider may already be disposed.
    private RedisBackplane? _backplane;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return Task.CompletedTask;
        }

        _backplane = services.GetRequiredService<RedisBackplane>();
        return _backplane.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _backplane?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
