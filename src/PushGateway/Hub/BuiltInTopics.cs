namespace PushGateway.Hub;

/// <summary>The topics the gateway publishes on by itself.</summary>
internal static class BuiltInTopics
{
    /// <summary>Messages sent by WebSocket clients.</summary>
    public const string Chat = "chat";

    /// <summary>The once-a-second server time.</summary>
    public const string Ticker = "ticker";
}
