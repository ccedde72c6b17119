using PushGateway.Hub;

namespace PushGateway.Observability;

/// <summary>
/// The <c>reason</c> tag of <c>pushgateway.connections.closed</c>: a few categories, the same for every
/// transport, where the connection log has the full text.
/// </summary>
public static class CloseReasons
{
    /// <summary>The client closed (WebSocket close frame) or went away (SSE).</summary>
    public const string Client = "client";

    public const string SlowConsumer = "slow_consumer";

    public const string TokenExpired = "token_expired";

    public const string RateLimit = "rate_limit";

    /// <summary>Refused by policy: a bad token sent on the socket, publishing without the right, a binary message.</summary>
    public const string Policy = "policy";

    /// <summary>A frame that breaks RFC 6455, or text that is not UTF-8.</summary>
    public const string ProtocolError = "protocol_error";

    public const string MessageTooBig = "message_too_big";

    /// <summary>The backplane could not take (or confirm) what the client sent.</summary>
    public const string BackplaneUnavailable = "backplane_unavailable";

    public const string Shutdown = "shutdown";

    /// <summary>The connection broke, or was aborted (keep-alive timeout), with no close decided before.</summary>
    public const string Aborted = "aborted";

    public static string For(SubscriptionCloseReason reason) => reason switch
    {
        SubscriptionCloseReason.SlowConsumer => SlowConsumer,
        SubscriptionCloseReason.ServerShutdown => Shutdown,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
