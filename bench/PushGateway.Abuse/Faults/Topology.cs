namespace PushGateway.Abuse.Faults;

/// <summary>
/// The deployment under test, as processes on loopback: one redis-server with its append-only file fsynced on every
/// write (docker-compose.yml runs Redis the same way), three nodes of the published build on it, and nginx in front.
/// Disposing it kills every process it started.
/// </summary>
internal sealed class Topology : IAsyncDisposable
{
    public const int NodeCount = 3;

    private readonly AbuseContext _context;
    private readonly Dictionary<string, string> _environment;

    private Topology(AbuseContext context, RedisProcess redis, Dictionary<string, string> environment)
    {
        (_context, Redis, _environment) = (context, redis, environment);
    }

    /// <summary>What the nodes run with beyond <see cref="GatewayNode.Defaults"/>, and why.</summary>
    public static IReadOnlyDictionary<string, string> NodeSettings(string redis) => new Dictionary<string, string>
    {
        ["PushGateway__Redis__Configuration"] = redis,
        // As docker-compose.yml: client addresses from nginx's X-Forwarded-For, no per-address socket cap (every
        // connection comes from nginx).
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
        ["PushGateway__Limits__MaxSocketsPerAddress"] = "0",
        // The .NET client's WebSocket cannot choose its source address, so all 1,000 subscribers come from 127.0.0.1:
        // one "address" of 1,000 clients, above the default cap of 100 per address.
        ["PushGateway__Limits__MaxConnectionsPerAddress"] = "5000",
    };

    public RedisProcess Redis { get; }

    public GatewayNode[] Nodes { get; } = new GatewayNode[NodeCount];

    public NginxProxy Nginx { get; private set; } = null!;

    public static async Task<Topology> StartAsync(AbuseContext context, string repository, string workDirectory, CancellationToken cancellationToken)
    {
        var redis = await RedisProcess.StartAsync(context, "faults-redis", Path.Combine(workDirectory, "redis")).ConfigureAwait(false);
        var topology = new Topology(context, redis, new Dictionary<string, string>(NodeSettings(redis.Configuration)));
        try
        {
            for (var i = 0; i < NodeCount; i++)
            {
                await topology.StartNodeAsync(i, port: null, cancellationToken).ConfigureAwait(false);
            }

            topology.Nginx = await NginxProxy.StartAsync(context, repository, topology.Nodes.Select(n => n.Port), Path.Combine(workDirectory, "nginx"))
                .ConfigureAwait(false);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts node <paramref name="index"/> again on its port (after it was killed or stopped) and waits until it is ready.</summary>
    public Task RestartNodeAsync(int index, CancellationToken cancellationToken)
    {
        var port = Nodes[index].Port;
        Nodes[index].Dispose();
        return StartNodeAsync(index, port, cancellationToken);
    }

    /// <summary>Waits until every node answers <c>/readyz</c> (e.g. after Redis came back).</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        foreach (var node in Nodes)
        {
            await node.WaitUntilAsync("/readyz", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        Nginx?.Dispose();
        foreach (var node in Nodes)
        {
            node?.Dispose();
        }

        Redis.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task StartNodeAsync(int index, int? port, CancellationToken cancellationToken)
    {
        Nodes[index] = await GatewayNode.StartAsync(_context, $"faults-node-{index + 1}", _environment, null, cancellationToken, port).ConfigureAwait(false);
        await Nodes[index].WaitUntilAsync("/readyz", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }
}
