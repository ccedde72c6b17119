using System.Collections.Frozen;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;
using PushGateway.Transports.WebSockets.Compression;
using PushGateway.Transports.WebSockets.Protocol;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// <c>/ws</c>: chat over WebSocket, or, when the client offers <see cref="Envelopes.SubProtocol"/> in
/// <c>Sec-WebSocket-Protocol</c>, the gateway's sub-protocol (docs/protocol.md). Chat checks the request (room,
/// upgrade, token, origin), then runs the socket until either side closes it: every text message is broadcast to
/// every socket in the room. The sub-protocol checks the origin, then subscribes, publishes and authorizes frame by frame.
/// </summary>
internal sealed class WebSocketEndpoint(
    ConnectionRunner runner,
    IBroadcastHub hub,
    IOptions<WebSocketTransportOptions> options,
    IOptions<HubOptions> hubOptions,
    TopicAuthorizer authorizer,
    TokenValidator tokenValidator,
    InboundMessageLimiter limiter,
    GatewayDrain drain,
    GatewayMetrics metrics,
    PerMessageDeflate deflate)
{
    public const string Transport = "ws";

    private static readonly FrozenSet<string> ChatTopics = FrozenSet.Create(StringComparer.Ordinal, BuiltInTopics.Chat);

    public async Task HandleAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest && context.WebSockets.WebSocketRequestedProtocols.Contains(Envelopes.SubProtocol, StringComparer.Ordinal))
        {
            await HandleProtocolAsync(context).ConfigureAwait(false);
            return;
        }

        var settings = options.Value;
        // One room per socket: what it sends goes there, what it receives comes from there.
        if (!TopicSelection.TrySelect([.. context.Request.Query["topic"]], ChatTopics, maxTopics: 1, out var topics, out var error))
        {
            await Problems.Invalid("topic", error).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "WebSocket upgrade required",
                detail: "/ws speaks WebSocket only: connect with a WebSocket client (Upgrade: websocket).")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var room = topics.Single();
        var access = new WebSocketAccess(authorizer, tokenValidator, room);
        var admission = access.Admit(context.User);
        if (!admission.IsAllowed)
        {
            await AccessProblems.For(admission, "join", context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!await IsOriginAllowedAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var request = new ConnectionRequest(Transport, topics, LastEventId: null, settings.CloseTimeout, access.Expires);
        await runner.RunAsync(context, request, async subscription =>
        {
            var (socket, compressed) = await AcceptAsync(context, subProtocol: null).ConfigureAwait(false);
            var batching = context.Features.Get<BatchingUpgradeFeature>()?.Stream;
            var receiver = new WebSocketReceiver(
                socket, batching, new ChatMessageHandler(room, access, hub, metrics), limiter, settings.MaxMessageBytes);
            return new WebSocketConnection(socket, batching, receiver, compressed ? deflate.Chat : WebSocketFrameEncoder.TextFormat);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The sub-protocol: a session with no topics yet; anyone whose origin is allowed may open one, and each
    /// subscribe and publish is authorized on its own (an anonymous socket holds public topics only).
    /// </summary>
    private async Task HandleProtocolAsync(HttpContext context)
    {
        if (!await IsOriginAllowedAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var settings = options.Value;
        var expires = authorizer.Enabled ? GatewayClaims.From(context.User).Expires : null;
        var request = new ConnectionRequest(Transport, FrozenSet<string>.Empty, LastEventId: null, settings.CloseTimeout, expires);
        await runner.RunAsync(context, request, async subscription =>
        {
            var (socket, compressed) = await AcceptAsync(context, Envelopes.SubProtocol).ConfigureAwait(false);
            var batching = context.Features.Get<BatchingUpgradeFeature>()?.Stream;
            var session = new ProtocolSession(subscription.Messages);
            var handler = new ProtocolMessageHandler(
                session, context.User, hub, authorizer, tokenValidator, metrics, hubOptions.Value.MaxTopicsPerConnection);
            var receiver = new WebSocketReceiver(socket, batching, handler, limiter, settings.MaxMessageBytes);
            return new ProtocolConnection(
                new WebSocketConnection(socket, batching, receiver, compressed ? deflate.Protocol : Envelopes.Message), session, subscription.Messages, drain, metrics.Deliveries(Transport));
        }).ConfigureAwait(false);
    }

    private async Task<bool> IsOriginAllowedAsync(HttpContext context)
    {
        if (OriginPolicy.IsAllowed(context.Request.Headers.Origin, options.Value.AllowedOrigins))
        {
            return true;
        }

        await Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Origin not allowed",
            detail: "This origin is not in PushGateway:WebSockets:AllowedOrigins.")
            .ExecuteAsync(context).ConfigureAwait(false);
        return false;
    }

    /// <summary>The handshake; the socket, and whether it agreed to permessage-deflate (see <see cref="PerMessageDeflate"/>).</summary>
    private async Task<(WebSocket Socket, bool Compressed)> AcceptAsync(HttpContext context, string? subProtocol)
    {
        var settings = options.Value;
        var compressed = deflate.TryNegotiate(context, settings.MaxMessageBytes);
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : settings.KeepAliveTimeout,
            // The runtime's WebSocket inflates what the client sends; it compresses nothing the gateway writes
            // (messages go beneath it, pre-framed; control frames are never compressed).
            DangerousEnableCompression = compressed,
            DisableServerContextTakeover = true,
        }).ConfigureAwait(false);
        return (socket, compressed);
    }
}
