namespace PushGateway.Client;

/// <summary>One event of a subscription, as the gateway sent it.</summary>
/// <param name="EventType">The event type: the publisher's (<c>message</c> by default), or <see cref="Gap"/>.</param>
/// <param name="Id">The event id, which the subscription resumes after; null for a <see cref="Gap"/>.</param>
/// <param name="Data">The payload.</param>
public sealed record PushMessage(string EventType, string? Id, string Data)
{
    /// <summary>
    /// The event type of a gap notice: on a resume, the gateway no longer held some of what followed the last id
    /// (history trimmed, or an id from a history since lost). What follows it is complete again.
    /// </summary>
    public const string Gap = "gap";

    /// <summary>Whether this is a gap notice rather than a published message.</summary>
    public bool IsGap => EventType == Gap;
}
