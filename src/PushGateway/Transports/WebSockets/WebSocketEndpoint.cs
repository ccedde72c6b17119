using System.Collections.Frozen;
using System.Security.Claims;
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
        await runner.RunAsync(context, request, new WebSocketOpening(settings, deflate, subProtocol: null, ChatTransport(room, access))).ConfigureAwait(false);
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
        await runner.RunAsync(context, request, new WebSocketOpening(settings, deflate, Envelopes.SubProtocol, ProtocolTransport(context.User))).ConfigureAwait(false);
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

    // The transports are made in methods of their own, so that what they capture is only what they are given:
    // a handed-off connection must not hold its request (see TransportOpening).
    private Func<OpenedSocket, Subscription, IConnectionTransport> ChatTransport(string room, WebSocketAccess access) =>
        (opened, _) =>
        {
            var receiver = new WebSocketReceiver(
                opened.Socket, opened.Batching, new ChatMessageHandler(room, access, hub, metrics), limiter, options.Value.MaxMessageBytes);
            return new WebSocketConnection(
                opened.Socket, opened.Batching, receiver, opened.Compressed ? deflate.Chat : WebSocketFrameEncoder.TextFormat, opened.AbortConnection);
        };

    private Func<OpenedSocket, Subscription, IConnectionTransport> ProtocolTransport(ClaimsPrincipal user) =>
        (opened, subscription) =>
        {
            var session = new ProtocolSession(subscription.Messages);
            var handler = new ProtocolMessageHandler(
                session, user, hub, authorizer, tokenValidator, metrics, hubOptions.Value.MaxTopicsPerConnection);
            var receiver = new WebSocketReceiver(opened.Socket, opened.Batching, handler, limiter, options.Value.MaxMessageBytes);
            var format = opened.Compressed ? deflate.Protocol : Envelopes.Message;
            return new ProtocolConnection(
                new WebSocketConnection(opened.Socket, opened.Batching, receiver, format, opened.AbortConnection),
                session, subscription.Messages, drain, metrics.Deliveries(Transport));
        };
}
