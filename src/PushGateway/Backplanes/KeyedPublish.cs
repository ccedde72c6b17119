using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>
/// A publish's (scoped) idempotency key and its request's <see cref="PublishFingerprint"/>: what a backplane remembers
/// for the idempotency window, and compares a retry with.
/// </summary>
internal sealed record KeyedPublish(string Key, string Fingerprint)
{
    /// <summary>Null for a publish without an idempotency key.</summary>
    public static KeyedPublish? For(MessageDraft draft) =>
        draft.IdempotencyKey is { } key ? new KeyedPublish(key, PublishFingerprint.Of(draft)) : null;
}
