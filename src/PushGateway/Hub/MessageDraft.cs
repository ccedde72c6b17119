namespace PushGateway.Hub;

/// <summary>What a publisher hands the hub; the hub makes it a <see cref="GatewayMessage"/> with an id.</summary>
/// <param name="Topics">One or more topics; a subscriber of several of them receives the message once.</param>
/// <param name="EventType">The SSE <c>event</c> field.</param>
/// <param name="Data">The payload.</param>
public sealed record MessageDraft(IReadOnlyList<string> Topics, string EventType, string Data)
{
    /// <summary>
    /// A publisher's own id for the SSE <c>id</c> field (and <c>Last-Event-ID</c>); by default the
    /// id the hub assigns. It must not have the form of a hub id (see <see cref="MessageId"/>).
    /// </summary>
    public string? CustomId { get; init; }

    /// <summary>A reconnection delay to advertise with this message, in milliseconds.</summary>
    public int? RetryMilliseconds { get; init; }

    /// <summary>The id clients see once the message is at <paramref name="position"/>: the publisher's own, else the position.</summary>
    public string EventIdAt(MessageId position) => CustomId ?? position.ToString();
}
