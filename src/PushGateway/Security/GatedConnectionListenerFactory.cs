using System.Net;
using Microsoft.AspNetCore.Connections;

namespace PushGateway.Security;

/// <summary>Kestrel's socket transport behind <see cref="SocketGate"/>: every accepted socket counts until its connection closes.</summary>
internal sealed class GatedConnectionListenerFactory(IConnectionListenerFactory inner, SocketGate gate)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedConnectionListener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), gate);

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);
}
