namespace PushGateway.Security;

/// <summary>The outcome of an authorization check, with the topic that failed it.</summary>
internal sealed record AccessDecision(AccessResult Result, string? Topic = null)
{
    public static AccessDecision Allowed { get; } = new(AccessResult.Allowed);

    public bool IsAllowed => Result == AccessResult.Allowed;
}

internal enum AccessResult
{
    Allowed,

    /// <summary>A token is needed and none (valid) was given: 401.</summary>
    Unauthenticated,

    /// <summary>The token does not allow it: 403.</summary>
    Forbidden,
}
