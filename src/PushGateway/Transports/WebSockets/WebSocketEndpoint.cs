using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// <c>/ws</c>: chat over WebSocket. Checks the request (room, upgrade, token, origin), then runs the
/// socket until either side closes it. Every text message is broadcast to every socket in the room.
/// </summary>
internal sealed class WebSocketEndpoint(
    ConnectionRunner runner,
    IBroadcastHub hub,
    IOptions<WebSocketTransportOptions> options,
    TopicAuthorizer authorizer,
    TokenValidator tokenValidator,
    InboundMessageLimiter limiter,
    GatewayMetrics metrics)
{
    public const string Transport = "ws";

    private static readonly FrozenSet<string> ChatTopics = FrozenSet.Create(StringComparer.Ordinal, BuiltInTopics.Chat);

    public async Task HandleAsync(HttpContext context)
    {
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

        if (!OriginPolicy.IsAllowed(context.Request.Headers.Origin, settings.AllowedOrigins))
        {
            await Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Origin not allowed",
                detail: "This origin is not in PushGateway:WebSockets:AllowedOrigins.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var request = new ConnectionRequest(Transport, topics, LastEventId: null, settings.CloseTimeout, access.Expires);
        await runner.RunAsync(context, request, async subscription =>
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = settings.KeepAliveInterval,
                KeepAliveTimeout = settings.KeepAliveTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : settings.KeepAliveTimeout,
            }).ConfigureAwait(false);
            var batching = context.Features.Get<BatchingUpgradeFeature>()?.Stream;
            var receiver = new WebSocketReceiver(socket, batching, room, access, limiter, hub, metrics, settings.MaxMessageBytes);
            return new WebSocketConnection(socket, batching, receiver);
        }).ConfigureAwait(false);
    }
}
