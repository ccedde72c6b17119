namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Header and query names of the SSE contract.</summary>
internal static class SseHeaders
{
    /// <summary>Sent by EventSource on reconnect (WHATWG HTML).</summary>
    public const string LastEventId = "Last-Event-ID";

    /// <summary>The query alternative to <see cref="LastEventId"/>, for clients that cannot set headers.</summary>
    public const string LastEventIdQuery = "lastEventId";

    /// <summary>
    /// On a resumed stream: <c>complete</c> when everything after the client's id is replayed,
    /// <c>gap</c> when some of it is no longer held.
    /// </summary>
    public const string Resume = "PushGateway-Resume";
}
