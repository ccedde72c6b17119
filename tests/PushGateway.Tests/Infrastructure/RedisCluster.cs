namespace PushGateway.Tests.Infrastructure;

/// <summary>A real redis-server and two gateway nodes on it, as one gateway.</summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(RedisServer redis, GatewayFactory nodeA, GatewayFactory nodeB) => (Redis, NodeA, NodeB) = (redis, nodeA, nodeB);

    public RedisServer Redis { get; }

    public GatewayFactory NodeA { get; }

    public GatewayFactory NodeB { get; }

    /// <param name="settings">Configuration of both nodes, on top of the Redis connection.</param>
    /// <param name="startB">Where node B's fake clock starts; by default where node A's does, so that their seconds line up.</param>
    public static async Task<RedisCluster> StartAsync(IDictionary<string, string?> settings, DateTimeOffset? startB = null)
    {
        var redis = await RedisServer.StartAsync();
        var nodeSettings = new Dictionary<string, string?>(settings) { ["PushGateway:Redis:Configuration"] = redis.Configuration };
        return new RedisCluster(redis, new GatewayFactory(nodeSettings), new GatewayFactory(nodeSettings, start: startB));
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
