namespace PushGateway.Hub;

/// <summary>
/// Closes every subscription as soon as the host starts stopping, so that WebSockets get 1001 and
/// event streams end while the server drains, and clients reconnect elsewhere instead of waiting
/// for the shutdown timeout to cut them off.
/// </summary>
internal sealed class HubShutdownService(IBroadcastHub hub, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => hub.CloseAll(SubscriptionCloseReason.ServerShutdown));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
