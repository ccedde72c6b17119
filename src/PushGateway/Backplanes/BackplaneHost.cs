namespace PushGateway.Backplanes;

/// <summary>Starts the backplane with this node's hub as its delivery target, and stops it with the host.</summary>
internal sealed class BackplaneHost(IBackplane backplane, IDeliveryTarget hub) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => backplane.StartAsync(hub, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => backplane.StopAsync(cancellationToken);
}
