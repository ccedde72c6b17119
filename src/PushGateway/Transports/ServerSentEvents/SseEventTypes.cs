namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Event types the SSE transport sends on its own behalf.</summary>
internal static class SseEventTypes
{
    /// <summary>
    /// First on a resumed stream whose client missed messages that are no longer held; data
    /// <c>{"lastEventId":"..."}</c>, no id (so the client's last id is unchanged).
    /// </summary>
    public const string Gap = "gap";
}
