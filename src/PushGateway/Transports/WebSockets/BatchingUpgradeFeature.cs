using Microsoft.AspNetCore.Http.Features;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// Wraps the server's upgrade so that the WebSocket middleware builds its socket on a
/// <see cref="BatchingUpgradeStream"/>, which the connection's writer loop then batches into.
/// </summary>
internal sealed class BatchingUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>
    /// Set when permessage-deflate was agreed: the client may send compressed messages (RSV1 on a message's first
    /// frame) that inflate to this many bytes at most.
    /// </summary>
    public int? InflateLimit { get; set; }

    /// <summary>The upgraded stream, once the handshake has happened.</summary>
    public BatchingUpgradeStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new BatchingUpgradeStream(await inner.UpgradeAsync().ConfigureAwait(false), InflateLimit);
        return Stream;
    }
}
