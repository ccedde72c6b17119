using System.Globalization;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// One fault and its recovery. <see cref="InflictAsync"/> returns when the fault is over (the process restarted, Redis
/// resumed), with the instant subscribers are measured from: the moment the fault began for what the gateway must ride
/// out at once (a node gone, a node draining, a proxy reload), the moment it ended for what nothing can serve through
/// (Redis down or frozen).
/// </summary>
internal sealed record Fault(string Name, string What, Func<Topology, CancellationToken, Task<FaultTimes>> InflictAsync)
{
    private static readonly TimeSpan NodeDown = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RedisDown = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RedisFrozen = TimeSpan.FromSeconds(7);

    public static IReadOnlyList<Fault> All { get; } =
    [
        new("node kill -9", $"SIGKILL of node 1, restarted on its port {NodeDown.TotalSeconds:0} s later; measured from the kill", async (topology, cancellationToken) =>
        {
            var start = Phases.Now;
            topology.Nodes[0].Kill();
            await Task.Delay(NodeDown, cancellationToken).ConfigureAwait(false);
            await topology.RestartNodeAsync(0, cancellationToken).ConfigureAwait(false);
            return new FaultTimes(start, start, $"node 1 ready again {Since(start)} after the kill");
        }),
        new("node SIGTERM", "SIGTERM of node 2 (the drain, 5 s window), restarted once it exited; measured from the signal, with messages due after the node exited", async (topology, cancellationToken) =>
        {
            var start = Phases.Now;
            var node = topology.Nodes[1];
            node.Terminate();
            var exited = await node.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            var exitedAt = Phases.Now;
            var notes = exited ? $"node 2 exited with {node.ExitCode} {Since(start)} after the signal" : "node 2 still running 30 s after the signal";
            await topology.RestartNodeAsync(1, cancellationToken).ConfigureAwait(false);
            return new FaultTimes(start, start, exitedAt, notes + $"; ready again {Since(start)} after it");
        }),
        new("Redis kill -9", $"SIGKILL of redis-server, restarted on its port from its append-only file {RedisDown.TotalSeconds:0} s later; measured from the restart",
            async (topology, cancellationToken) =>
            {
                var start = Phases.Now;
                topology.Redis.Kill();
                await Task.Delay(RedisDown, cancellationToken).ConfigureAwait(false);
                await topology.Redis.RestartAsync().ConfigureAwait(false);
                var restarted = Phases.Now;
                await topology.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
                return new FaultTimes(start, restarted, $"every node ready {Since(restarted)} after the restart");
            }),
        new("Redis SIGSTOP 7 s", $"redis-server paused (SIGSTOP) for {RedisFrozen.TotalSeconds:0} s, longer than the nodes' 5 s Redis timeout, then SIGCONT; measured from the SIGCONT",
            async (topology, cancellationToken) =>
            {
                var start = Phases.Now;
                topology.Redis.Pause();
                try
                {
                    await Task.Delay(RedisFrozen, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    topology.Redis.Resume();
                }

                return new FaultTimes(start, Phases.Now, "");
            }),
        new("nginx reload", "SIGHUP to nginx's master (new workers; the old ones keep their connections until they close); measured from the signal",
            (topology, _) =>
            {
                var start = Phases.Now;
                topology.Nginx.Reload();
                return Task.FromResult(new FaultTimes(start, start, ""));
            }),
    ];

    private static string Since(long start) => System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds.ToString("0.0 's'", CultureInfo.InvariantCulture);
}

/// <summary>
/// When a fault began, the instant "live again" is measured from, the instant after which a message must be due to
/// show a subscriber live again (the same, except for a drain: the stopped node's exit, once its last connection was
/// closed; a subscriber it had not closed yet still got messages due after the signal), and what happened on the way.
/// </summary>
internal sealed record FaultTimes(long Start, long Reference, long DueAfter, string Notes)
{
    public FaultTimes(long start, long reference, string notes)
        : this(start, reference, reference, notes)
    {
    }
}
