namespace PushGateway.Abuse;

/// <summary>A well-behaved subscriber whose every delivery is checked against the publisher's record.</summary>
internal interface ISubscriber : IAsyncDisposable
{
    Receipts Receipts { get; }

    /// <summary>Why its connection ended while the scenario still ran (null: it never did).</summary>
    string? DropReason { get; }

    /// <summary>Connects (the first time) and starts receiving in the background.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
