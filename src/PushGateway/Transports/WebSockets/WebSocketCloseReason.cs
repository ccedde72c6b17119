using System.Net.WebSockets;
using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets;

/// <summary>A close code with the reason text sent to the client (at most 123 UTF-8 bytes).</summary>
internal sealed record WebSocketCloseReason(WebSocketCloseStatus Status, string Description)
{
    public static WebSocketCloseReason ServerShutdown { get; } =
        new(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

    public static WebSocketCloseReason SlowConsumer { get; } =
        new(WebSocketCloseStatus.PolicyViolation, "too slow: send queue overflowed");

    public static WebSocketCloseReason BinaryMessage { get; } =
        new(WebSocketCloseStatus.InvalidMessageType, "binary messages are not accepted");

    public static WebSocketCloseReason InvalidUtf8 { get; } =
        new(WebSocketCloseStatus.InvalidPayloadData, "message is not valid UTF-8");

    /// <summary>The connection broke without a closing handshake; nothing more can be sent.</summary>
    public static WebSocketCloseReason ConnectionLost { get; } =
        new(WebSocketCloseStatus.Empty, "connection lost");

    public static WebSocketCloseReason MessageTooBig(int maxBytes) =>
        new(WebSocketCloseStatus.MessageTooBig, $"message exceeds {maxBytes} bytes");

    public static WebSocketCloseReason ClosedByClient(WebSocketCloseStatus? status) =>
        new(status is null or WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status.Value, "closed by client");

    public static WebSocketCloseReason For(SubscriptionCloseReason reason) => reason switch
    {
        SubscriptionCloseReason.SlowConsumer => SlowConsumer,
        SubscriptionCloseReason.ServerShutdown => ServerShutdown,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
