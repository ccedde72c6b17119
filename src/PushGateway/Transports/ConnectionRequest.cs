namespace PushGateway.Transports;

/// <summary>A checked and authorized request for a connection, as its endpoint hands it to <see cref="ConnectionRunner"/>.</summary>
/// <param name="Transport">The transport's name in logs and metrics (<c>ws</c>, <c>sse</c>).</param>
/// <param name="Topics">
/// The topics to subscribe to; none for a session, whose transport subscribes as the client asks (<see cref="Hub.IBroadcastHub.OpenSession"/>).
/// </param>
/// <param name="LastEventId">Where to resume; null for live messages only.</param>
/// <param name="CloseTimeout">How long a close may take before the connection is aborted.</param>
/// <param name="TokenExpires">When the client's token expires, which closes the connection; null for never.</param>
internal readonly record struct ConnectionRequest(
    string Transport, IReadOnlySet<string> Topics, string? LastEventId, TimeSpan CloseTimeout, DateTimeOffset? TokenExpires);
