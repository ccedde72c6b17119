namespace PushGateway.Client;

/// <summary>The gateway's answer to a publish.</summary>
/// <param name="Id">The message's event id: the publisher's own, or the one the gateway assigned.</param>
/// <param name="Replayed">
/// True when the gateway had already taken this publish (same idempotency key): the answer is the first one's,
/// and nothing was delivered again.
/// </param>
public sealed record PublishResult(string Id, bool Replayed);
