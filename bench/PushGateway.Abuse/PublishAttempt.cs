namespace PushGateway.Abuse;

/// <summary>One publish attempt: when it was sent (<see cref="System.Diagnostics.Stopwatch"/> timestamp) and how it was answered (null: cut off when the run ended).</summary>
internal readonly record struct PublishAttempt(long SentAt, PublishAnswer? Answer, int Status);
