namespace PushGateway.Client;

/// <summary>A message to publish.</summary>
/// <param name="Topics">One or more topics.</param>
/// <param name="Data">The payload.</param>
public sealed record PushPublication(IReadOnlyList<string> Topics, string Data)
{
    /// <summary>The event type; null sends the gateway's default, <c>message</c>.</summary>
    public string? EventType { get; init; }

    /// <summary>The publisher's own event id; null lets the gateway assign one.</summary>
    public string? Id { get; init; }

    /// <summary>A reconnection delay for subscribers to adopt, in milliseconds.</summary>
    public int? RetryMilliseconds { get; init; }

    /// <summary>
    /// The key that makes retries safe: every attempt of one publish carries it, and the gateway delivers a key's
    /// publish once. Null (the default) makes a new random key per <see cref="PushPublisher.PublishAsync(PushPublication, CancellationToken)"/> call;
    /// set one to make a publish idempotent across calls (e.g. after your own process restarted).
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
