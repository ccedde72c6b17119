namespace PushGateway.Hub;

/// <summary>What became of a publish the backplane answered (see <see cref="PublishResult"/>).</summary>
internal enum PublishOutcome
{
    /// <summary>Stored and on its way to every node: a new message.</summary>
    Published,

    /// <summary>
    /// A retry of a publish stored within the window (the same idempotency key and request, or on Redis the same
    /// publisher's id and content): answered with the first one's position; nothing was stored or delivered again.
    /// </summary>
    Replayed,

    /// <summary>
    /// The idempotency key stands for a different request within the window: nothing was stored or delivered.
    /// The position is the first request's.
    /// </summary>
    KeyReused,
}
