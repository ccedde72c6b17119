namespace PushGateway.Abuse;

/// <summary>One thing a scenario requires, what it measured, and whether that held.</summary>
internal sealed record Check(string Requirement, string Measured, bool Passed);
