namespace PushGateway.Hub;

/// <summary>The SSE event types the gateway publishes with.</summary>
internal static class EventTypes
{
    /// <summary>EventSource's default type: a bare <c>onmessage</c> handler sees these (the ticks).</summary>
    public const string Message = "message";

    /// <summary>Chat text from WebSocket clients.</summary>
    public const string Chat = "chat";
}
