using System.Net.WebSockets;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// The metrics' close reason (<see cref="CloseReasons"/>) of a <see cref="WebSocketCloseReason"/>. Kept
/// apart from the close reasons themselves: it compares by value (they are records), so it holds
/// however a reason is built.
/// </summary>
internal static class WebSocketCloseCategory
{
    private static readonly string ClientDescription = WebSocketCloseReason.ClosedByClient(null).Description;
    private static readonly string FailedPrefix = WebSocketCloseReason.FailedByRuntime(string.Empty).Description;

    public static string Of(WebSocketCloseReason? reason) => reason switch
    {
        null => CloseReasons.Aborted,
        { Description: var text } when text == ClientDescription => CloseReasons.Client,
        _ when reason == WebSocketCloseReason.For(SubscriptionCloseReason.ServerShutdown) => CloseReasons.Shutdown,
        _ when reason == WebSocketCloseReason.For(SubscriptionCloseReason.SlowConsumer) => CloseReasons.SlowConsumer,
        _ when reason == WebSocketCloseReason.TokenExpired => CloseReasons.TokenExpired,
        _ when reason == WebSocketCloseReason.RateLimited => CloseReasons.RateLimit,
        // The server sends these codes for nothing but its own shutdown or restart.
        { Status: WebSocketCloseStatus.EndpointUnavailable or (WebSocketCloseStatus)1012 } => CloseReasons.Shutdown,
        { Status: (WebSocketCloseStatus)1013 } => CloseReasons.BackplaneUnavailable,
        { Status: WebSocketCloseStatus.ProtocolError } => CloseReasons.ProtocolError,
        { Status: WebSocketCloseStatus.MessageTooBig } => CloseReasons.MessageTooBig,
        { Status: WebSocketCloseStatus.Empty, Description: var text } when text.StartsWith(FailedPrefix, StringComparison.Ordinal) =>
            CloseReasons.ProtocolError,
        { Status: WebSocketCloseStatus.Empty } => CloseReasons.Aborted,
        _ => CloseReasons.Policy,
    };
}
