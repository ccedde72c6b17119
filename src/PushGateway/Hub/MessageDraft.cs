namespace PushGateway.Hub;

/// <summary>What a publisher hands the hub; the hub makes it a <see cref="GatewayMessage"/> at a <see cref="MessagePosition"/>.</summary>
/// <param name="Topics">One or more topics; a subscriber of several of them receives the message once.</param>
/// <param name="EventType">The SSE <c>event</c> field.</param>
/// <param name="Data">The payload.</param>
internal sealed record MessageDraft(IReadOnlyList<string> Topics, string EventType, string Data)
{
    /// <summary>
    /// The publisher's own id for clients to see (the SSE <c>id</c> field, and <c>Last-Event-ID</c> to resume);
    /// null sends the message's position. It must not have the form of a position (see <see cref="MessagePosition"/>).
    /// </summary>
    public string? EventId { get; init; }

    /// <summary>A reconnection delay to advertise with this message, in milliseconds.</summary>
    public int? RetryMilliseconds { get; init; }

    /// <summary>
    /// The publisher's idempotency key, already scoped to the publisher (so that one publisher can neither replay nor
    /// probe another's keys); null for none. Not part of the message: the backplane remembers it, with a fingerprint
    /// of the rest, for the idempotency window (see <see cref="Backplanes.IBackplane.PublishAsync"/>).
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The id clients see once the message is at <paramref name="position"/>: the publisher's own, else the position.</summary>
    public string EventIdAt(MessagePosition position) => EventId ?? position.ToString();
}
