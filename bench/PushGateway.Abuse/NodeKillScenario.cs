using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>One node killed (SIGKILL) under steady publishing: its subscribers resume on the other node.</summary>
internal sealed class NodeKillScenario : IScenario
{
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(10);

    public string Name => "node-kill";

    public string Title => "Node kill";

    public string Bounds => Cluster.Bounds + $"; {Steady.TotalSeconds:0} s steady, SIGKILL of node a, {AfterKill.TotalSeconds:0} s on node b alone";

    public TimeSpan Limit => TimeSpan.FromMinutes(2);

    public async Task RunAsync(AbuseContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        await using var cluster = await Cluster.StartAsync(context, Name, cancellationToken).ConfigureAwait(false);
        await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);
        var victims = cluster.SseSubscribers.Where(s => s.Node == 0).ToList();
        var survivors = cluster.SseSubscribers.Where(s => s.Node == 1).ToList();
        var killedAt = Stopwatch.GetTimestamp();
        cluster.Nodes[0].Kill();
        await Task.Delay(AfterKill, cancellationToken).ConfigureAwait(false);
        await cluster.FinishAsync(result, cancellationToken).ConfigureAwait(false);

        var recoveries = victims.Select(v => v.ResumedAt.Count > 0 ? Stopwatch.GetElapsedTime(killedAt, v.ResumedAt[0]) : TimeSpan.MaxValue).Order().ToList();
        var recovered = recoveries.Count(r => r <= RecoveryBound);
        result.Figure("time from the kill to the first event on the other node",
            recovered == 0 ? "none recovered" : $"median {Phases.Seconds(recoveries[recoveries.Count / 2])}, max {Phases.Seconds(recoveries.Where(r => r != TimeSpan.MaxValue).Max())}");
        result.Require($"every subscriber of the killed node resumed on the other within {RecoveryBound.TotalSeconds:0} s",
            $"{recovered} of {victims.Count}", recovered == victims.Count && victims.Count > 0);
        result.Require("the surviving node's own subscribers were not disturbed (no reconnection)",
            $"{survivors.Count(s => s.Reconnects > 0)} of {survivors.Count} reconnected", survivors.All(s => s.Reconnects == 0));
        result.Require("the surviving node is alive", cluster.Nodes[1].Describe(), cluster.Nodes[1].IsAlive);
    }
}
