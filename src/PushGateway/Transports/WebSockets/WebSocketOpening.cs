using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using PushGateway.Hub;
using PushGateway.Transports.Handoff;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// Accepts a <c>/ws</c> socket on a subscription (see <see cref="TransportOpening"/>): through ASP.NET Core's
/// WebSockets within the request, or, handed off, as the runtime's <see cref="WebSocket"/> on the connection's own
/// pipes. Either way its writes are batched beneath it (<see cref="BatchingUpgradeStream"/>).
/// </summary>
/// <param name="options">Keep-alive settings.</param>
/// <param name="subProtocol">The sub-protocol agreed on, or null.</param>
/// <param name="transport">
/// The connection's transport on the socket: its receiver and framing. Given the batching stream (null within an
/// HTTP/2 request) and what cuts the connection off beyond aborting the socket (nothing within a request).
/// </param>
internal sealed class WebSocketOpening(
    WebSocketTransportOptions options,
    string? subProtocol,
    Func<WebSocket, BatchingUpgradeStream?, Action?, Subscription, IConnectionTransport> transport) : TransportOpening
{
    /// <summary>RFC 6455, section 1.3: what the server appends to the client's key before hashing it.</summary>
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private TimeSpan KeepAliveTimeout => options.KeepAliveTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : options.KeepAliveTimeout;

    public override async Task<IConnectionTransport> OpenAsync(HttpContext context, Subscription subscription)
    {
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = KeepAliveTimeout,
        }).ConfigureAwait(false);
        return transport(socket, context.Features.Get<BatchingUpgradeFeature>()?.Stream, null, subscription);
    }

    public override async Task SendHeadAsync(HttpContext context, Subscription subscription)
    {
        // What ASP.NET Core's WebSockets would answer, which checked the request (IsWebSocketRequest: version, key).
        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
#pragma warning disable CA5350 // RFC 6455 defines the accept value as a SHA-1 hash: a checksum, not security.
        headers.SecWebSocketAccept = Convert.ToBase64String(
            SHA1.HashData(Encoding.ASCII.GetBytes(context.Request.Headers.SecWebSocketKey.ToString() + KeyGuid)));
#pragma warning restore CA5350
        if (subProtocol is not null)
        {
            headers.SecWebSocketProtocol = subProtocol;
        }

        // 101, flushed; the stream it returns is the HTTP layer's, which the handed-off socket does not use.
        await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync().ConfigureAwait(false);
    }

    public override IConnectionTransport Open(ConnectionContext connection, Subscription subscription)
    {
        var batching = new BatchingUpgradeStream(new DuplexPipeStream(connection.Transport));
        var socket = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = KeepAliveTimeout,
        });
        return transport(socket, batching, connection.Abort, subscription);
    }
}
