using System.Net.WebSockets;
using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets;

/// <summary>A close code with the reason text sent to the client (at most 123 UTF-8 bytes).</summary>
internal sealed record WebSocketCloseReason(WebSocketCloseStatus Status, string Description)
{
    public static WebSocketCloseReason ServerShutdown { get; } =
        new((WebSocketCloseStatus)1012, "server restarting: reconnect");

    public static WebSocketCloseReason SlowConsumer { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "too slow: send queue overflowed");

    public static WebSocketCloseReason TokenExpired { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "token expired");

    public static WebSocketCloseReason InvalidToken { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "invalid token, or it does not allow this topic");

    public static WebSocketCloseReason NotAllowedToSend { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "the token does not allow publishing to this topic");

    public static WebSocketCloseReason RateLimited { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "rate limit exceeded: too many messages");

    public static WebSocketCloseReason BackplaneUnavailable { get; } =
        new((WebSocketCloseStatus)1013, "try again later: the backplane is unavailable; your last message was not sent");

    public static WebSocketCloseReason PublishOutcomeUnknown { get; } =
        new((WebSocketCloseStatus)1013, "try again later: the backplane did not confirm your last message; it may have been sent");

    public static WebSocketCloseReason BinaryMessage { get; } =
        new(WebSocketCloseStatus.InvalidMessageType, "binary messages are not accepted");

    /// <summary>The connection broke or was aborted: nothing more can be sent.</summary>
    public static WebSocketCloseReason Aborted(string why) => new(WebSocketCloseStatus.Empty, $"aborted: {why}");

    /// <summary>
    /// The runtime's WebSocket failed the connection itself and sent its own close frame (1007 for
    /// text that is not UTF-8, 1002 for a bad close frame): nothing more to send.
    /// </summary>
    public static WebSocketCloseReason FailedByRuntime(string why) => new(WebSocketCloseStatus.Empty, $"failed: {why}");

    /// <summary>A frame that breaks RFC 6455, caught before the runtime's WebSocket saw it.</summary>
    public static WebSocketCloseReason ProtocolError(string violation) =>
        new(WebSocketCloseStatus.ProtocolError, $"protocol error: {violation}");

    public static WebSocketCloseReason MessageTooBig(int maxBytes) =>
        new(WebSocketCloseStatus.MessageTooBig, $"message exceeds {maxBytes} bytes");

    public static WebSocketCloseReason ClosedByClient(WebSocketCloseStatus? status) =>
        new(status is null or WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status.Value, "closed by client");

    /// <summary>For the connection log: the code and reason, or why nothing could be sent.</summary>
    public string ToLogText() => Status == WebSocketCloseStatus.Empty ? Description : $"{(int)Status} {Description}";

    public static WebSocketCloseReason For(SubscriptionCloseReason reason) => reason switch
    {
        SubscriptionCloseReason.SlowConsumer => SlowConsumer,
        SubscriptionCloseReason.ServerShutdown => ServerShutdown,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
