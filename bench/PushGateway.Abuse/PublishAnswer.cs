namespace PushGateway.Abuse;

/// <summary>How the gateway answered one publish attempt, as a publisher must read it.</summary>
internal enum PublishAnswer
{
    /// <summary>200: stored and on its way.</summary>
    Ok,

    /// <summary>503: not stored ("nothing was done"); retry after Retry-After.</summary>
    NotStored,

    /// <summary>A problem answer of type <c>https://pushgateway.dev/problems/publish-outcome-unknown</c> (504): it may have been delivered; retry with the same id and content.</summary>
    OutcomeUnknown,

    /// <summary>The request may have been sent but no answer came (timeout, reset, connection closed).</summary>
    NoAnswer,

    /// <summary>The connection was refused: nothing was sent.</summary>
    Refused,

    /// <summary>Any other status.</summary>
    Other,
}
