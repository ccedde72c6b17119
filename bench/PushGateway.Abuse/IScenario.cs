namespace PushGateway.Abuse;

/// <summary>One abuse scenario: bounded in connections and time, loopback only, stopping by itself.</summary>
internal interface IScenario
{
    /// <summary>The name given to <c>--scenario</c>.</summary>
    string Name { get; }

    string Title { get; }

    /// <summary>Its bounds in count and time, as the report states them.</summary>
    string Bounds { get; }

    /// <summary>The longest it may take; past it the scenario is aborted and fails.</summary>
    TimeSpan Limit { get; }

    Task RunAsync(AbuseContext context, ScenarioResult result, CancellationToken cancellationToken);
}
