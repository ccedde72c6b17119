namespace PushGateway.Abuse;

/// <summary>Redis paused (SIGSTOP) for 7 s, then killed (SIGKILL) and started again empty, under steady publishing.</summary>
internal sealed class RedisFaultScenario : IScenario
{
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(2);

    public string Name => "redis";

    public string Title => "Redis pause and kill";

    public string Bounds => Cluster.Bounds +
        $"; {Steady.TotalSeconds:0} s steady, SIGSTOP for {Pause.TotalSeconds:0} s (longer than the client's 5 s timeout), {Steady.TotalSeconds:0} s, " +
        $"SIGKILL, {Down.TotalSeconds:0} s down, restarted empty, nodes ready again (30 s at most), {Steady.TotalSeconds:0} s";

    public TimeSpan Limit => TimeSpan.FromMinutes(2.5);

    public async Task RunAsync(AbuseContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        await using var cluster = await Cluster.StartAsync(context, Name, cancellationToken).ConfigureAwait(false);
        await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);

        cluster.Redis.Pause();
        await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
        cluster.Redis.Resume();
        await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);

        cluster.Redis.Kill();
        await Task.Delay(Down, cancellationToken).ConfigureAwait(false);
        await cluster.Redis.RestartAsync().ConfigureAwait(false);
        var restarted = Phases.Now;
        foreach (var node in cluster.Nodes)
        {
            await node.WaitUntilAsync("/readyz", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }

        result.Figure("nodes ready after the Redis restart", Phases.Seconds(System.Diagnostics.Stopwatch.GetElapsedTime(restarted)));
        await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);
        await cluster.FinishAsync(result, cancellationToken).ConfigureAwait(false);
        result.Require("both nodes survived", string.Join(", ", cluster.Nodes.Select(n => $"{n.Name} {n.Describe()}")), cluster.Nodes.All(n => n.IsAlive));
    }
}
