using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using PushGateway.Hub;
using PushGateway.Transports.Handoff;
using PushGateway.Transports.WebSockets.Compression;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// Accepts a <c>/ws</c> socket on a subscription (see <see cref="TransportOpening"/>): through ASP.NET Core's
/// WebSockets within the request, or, handed off, as the runtime's <see cref="WebSocket"/> on the connection's own
/// pipes, with permessage-deflate when agreed (<see cref="PerMessageDeflate"/>). Either way its writes are batched
/// beneath it (<see cref="BatchingUpgradeStream"/>).
/// </summary>
/// <param name="options">Keep-alive settings, and the largest message a client may send.</param>
/// <param name="deflate">Whether the client's permessage-deflate offer is taken.</param>
/// <param name="subProtocol">The sub-protocol agreed on, or null.</param>
/// <param name="transport">The connection's transport on the socket: its receiver and framing.</param>
internal sealed class WebSocketOpening(
    WebSocketTransportOptions options,
    PerMessageDeflate deflate,
    string? subProtocol,
    Func<OpenedSocket, Subscription, IConnectionTransport> transport) : TransportOpening
{
    /// <summary>RFC 6455, section 1.3: what the server appends to the client's key before hashing it.</summary>
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private bool _compressed;

    private TimeSpan KeepAliveTimeout => options.KeepAliveTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : options.KeepAliveTimeout;

    public override async Task<IConnectionTransport> OpenAsync(HttpContext context, Subscription subscription)
    {
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = KeepAliveTimeout,
        }).ConfigureAwait(false);
        var opened = new OpenedSocket(socket, context.Features.Get<BatchingUpgradeFeature>()?.Stream, AbortConnection: null, Compressed: false);
        return transport(opened, subscription);
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

        _compressed = deflate.Accepts(context);
        if (_compressed)
        {
            headers.SecWebSocketExtensions = PerMessageDeflate.Agreed;
        }

        // 101, flushed; the stream it returns is the HTTP layer's, which the handed-off socket does not use.
        await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync().ConfigureAwait(false);
    }

    public override IConnectionTransport Open(ConnectionContext connection, Subscription subscription)
    {
        // Agreed on deflate: compressed client messages pass the stream's frame check, inflated up to the message cap.
        var batching = new BatchingUpgradeStream(new DuplexPipeStream(connection.Transport), _compressed ? options.MaxMessageBytes : null);
        var socket = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = KeepAliveTimeout,
            // The runtime's socket inflates what the client sends, keeping nothing between messages; it compresses
            // nothing the gateway writes (messages go beneath it, pre-framed; control frames are never compressed).
            DangerousDeflateOptions = _compressed ? new WebSocketDeflateOptions { ClientContextTakeover = false, ServerContextTakeover = false } : null,
        });
        return transport(new OpenedSocket(socket, batching, connection.Abort, _compressed), subscription);
    }
}
