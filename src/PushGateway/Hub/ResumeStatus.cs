namespace PushGateway.Hub;

/// <summary>How a subscription that named a last event id was resumed.</summary>
internal enum ResumeStatus
{
    /// <summary>No last event id was given: the subscription starts live.</summary>
    None,

    /// <summary>Every message after the given id is replayed.</summary>
    Complete,

    /// <summary>
    /// Some messages after the given id are no longer held (too old, or from an earlier process):
    /// what is held is replayed.
    /// </summary>
    Gap,
}
