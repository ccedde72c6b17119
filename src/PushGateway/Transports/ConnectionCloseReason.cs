using System.Net.WebSockets;
using PushGateway.Hub;

namespace PushGateway.Transports;

/// <summary>
/// Why a connection closed, one type for every transport: the <c>reason</c> tag of
/// <c>pushgateway.connections.closed</c>, the WebSocket close code and reason text, and what a
/// transport without close codes does for it. Whoever decides that a connection must close names one
/// of these; each transport reads from it what it can say (a close frame, a <c>retry:</c>, nothing).
/// </summary>
internal sealed class ConnectionCloseReason
{
    private const string ClientCategory = "client";
    private const string PolicyCategory = "policy";
    private const string ProtocolErrorCategory = "protocol_error";
    private const string BackplaneCategory = "backplane_unavailable";
    private const string AbortedCategory = "aborted";

    private ConnectionCloseReason(string category, WebSocketCloseStatus status, string text, bool isShutdown = false)
    {
        Category = category;
        WebSocketStatus = status;
        Text = text;
        SendsQueuedFirst = isShutdown;
        SpreadsReconnects = isShutdown;
    }

    public static ConnectionCloseReason ServerShutdown { get; } =
        new("shutdown", (WebSocketCloseStatus)1012, "server restarting: reconnect", isShutdown: true);

    public static ConnectionCloseReason SlowConsumer { get; } =
        new("slow_consumer", WebSocketCloseStatus.PolicyViolation, "too slow: send queue overflowed");

    public static ConnectionCloseReason TokenExpired { get; } =
        new("token_expired", WebSocketCloseStatus.PolicyViolation, "token expired");

    public static ConnectionCloseReason InvalidToken { get; } =
        new(PolicyCategory, WebSocketCloseStatus.PolicyViolation, "invalid token, or it does not allow this topic");

    public static ConnectionCloseReason NotAllowedToSend { get; } =
        new(PolicyCategory, WebSocketCloseStatus.PolicyViolation, "the token does not allow publishing to this topic");

    public static ConnectionCloseReason BinaryMessage { get; } =
        new(PolicyCategory, WebSocketCloseStatus.InvalidMessageType, "binary messages are not accepted");

    public static ConnectionCloseReason RateLimited { get; } =
        new("rate_limit", WebSocketCloseStatus.PolicyViolation, "rate limit exceeded: too many messages");

    public static ConnectionCloseReason BackplaneUnavailable { get; } =
        new(BackplaneCategory, (WebSocketCloseStatus)1013, "try again later: the backplane is unavailable; your last message was not sent");

    public static ConnectionCloseReason PublishOutcomeUnknown { get; } =
        new(BackplaneCategory, (WebSocketCloseStatus)1013, "try again later: the backplane did not confirm your last message; it may have been sent");

    /// <summary>The client went away without a word (how an SSE client ends its stream).</summary>
    public static ConnectionCloseReason ClientGone { get; } = new(ClientCategory, WebSocketCloseStatus.Empty, "client disconnected");

    /// <summary>The connection's writer failed unexpectedly; the connection was aborted.</summary>
    public static ConnectionCloseReason WriterFailed { get; } = new(AbortedCategory, WebSocketCloseStatus.Empty, "aborted");

    /// <summary>The <c>reason</c> tag of <c>pushgateway.connections.closed</c>: a few categories, where the log has <see cref="Text"/>.</summary>
    public string Category { get; }

    /// <summary>The WebSocket close code; <see cref="WebSocketCloseStatus.Empty"/> when nothing can be sent (the connection broke).</summary>
    public WebSocketCloseStatus WebSocketStatus { get; }

    /// <summary>The WebSocket close reason (at most 123 UTF-8 bytes when it is sent), and the connection log's text.</summary>
    public string Text { get; }

    /// <summary>What was already queued to the connection goes out before the close (a shutdown: nothing is lost).</summary>
    public bool SendsQueuedFirst { get; }

    /// <summary>
    /// The client is told to come back after a random delay over the drain window, so that clients come back spread
    /// out: SSE ends the stream with a <c>retry:</c>, the WebSocket sub-protocol sends a <c>reconnect</c> frame.
    /// </summary>
    public bool SpreadsReconnects { get; }

    /// <summary>The client closed, with <paramref name="status"/>: the close is answered with the same status.</summary>
    public static ConnectionCloseReason ClosedByClient(WebSocketCloseStatus? status) =>
        new(ClientCategory, status is null or WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status.Value, "closed by client");

    /// <summary>The connection broke or was aborted (a keep-alive timeout) with no close decided before: nothing more can be sent.</summary>
    public static ConnectionCloseReason Aborted(string why) => new(AbortedCategory, WebSocketCloseStatus.Empty, $"aborted: {why}");

    /// <summary>
    /// The runtime's WebSocket failed the connection itself and sent its own close frame (1007 for
    /// text that is not UTF-8, 1002 for a bad close frame): nothing more to send.
    /// </summary>
    public static ConnectionCloseReason FailedByRuntime(string why) => new(ProtocolErrorCategory, WebSocketCloseStatus.Empty, $"failed: {why}");

    /// <summary>A frame that breaks RFC 6455, caught before the runtime's WebSocket saw it.</summary>
    public static ConnectionCloseReason ProtocolError(string violation) =>
        new(ProtocolErrorCategory, WebSocketCloseStatus.ProtocolError, $"protocol error: {violation}");

    public static ConnectionCloseReason MessageTooBig(int maxBytes) =>
        new("message_too_big", WebSocketCloseStatus.MessageTooBig, $"message exceeds {maxBytes} bytes");

    /// <summary>Why the hub ended the subscription, as the connection's reason.</summary>
    public static ConnectionCloseReason For(SubscriptionCloseReason reason) => reason switch
    {
        SubscriptionCloseReason.SlowConsumer => SlowConsumer,
        SubscriptionCloseReason.ServerShutdown => ServerShutdown,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public override string ToString() => Text;
}
