using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// What the backplane needs from Redis, tried before the node calls itself ready and after every failure (so on every
/// reconnect): each command of its scripts, delivery tail, history and presence, on keys of its own. A Redis user
/// without the permission (ACL), a command renamed away (rename-command) or a Redis without streams is named at once,
/// rather than found by a publish that fails halfway.
/// </summary>
internal sealed class RedisProbe(RedisConnection connection, RedisKeys keys)
{
    /// <summary>
    /// The commands Redis refused, each with its answer (<c>XADD: ERR …; SUBSCRIBE: …</c>), or null when it runs them all.
    /// <paramref name="subscribe"/> subscribes the delivery tail to the doorbell. Throws for an outage.
    /// </summary>
    public async Task<string?> FindRefusedAsync(Func<Task> subscribe)
    {
        var database = connection.Database;
        var refused = new List<string>();
        // Where EVAL is refused, StackExchange.Redis loads the script and runs it with EVALSHA from then on: try twice.
        var probed = await TryAsync("EVAL", [], RunProbeScript).ConfigureAwait(false)
            ?? await TryAsync("EVAL/EVALSHA", refused, RunProbeScript).ConfigureAwait(false);
        if (probed is not null)
        {
            refused.AddRange(((RedisResult[])probed!).Select(answer => (string)answer!));
        }

        // Presence writes its counts in a transaction: MULTI and EXEC cannot run in a script.
        await TryAsync("MULTI/EXEC", refused, () =>
        {
            var transaction = database.CreateTransaction();
            _ = transaction.KeyExistsAsync(keys.Probe(connection.NodeId, "string"));
            return transaction.ExecuteAsync();
        }).ConfigureAwait(false);
        await TryAsync("SUBSCRIBE", refused, async () =>
        {
            await subscribe().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return refused.Count == 0 ? null : string.Join("; ", refused);
    }

    private Task<RedisResult> RunProbeScript() => connection.Database.ScriptEvaluateAsync(
        RedisScripts.Probe,
        [keys.Probe(connection.NodeId, "string"), keys.Probe(connection.NodeId, "stream"), keys.Probe(connection.NodeId, "hash")],
        [keys.Doorbell.ToString(), keys.NodePattern]);

    private static async Task<T?> TryAsync<T>(string command, List<string> refused, Func<Task<T>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (RedisProblem.IsCommandRefused(exception) || !RedisConnection.IsFailure(exception))
        {
            // On the probe's own keys, any other error is Redis refusing too (a MULTI renamed away: "EXEC without MULTI").
            refused.Add(command + ": " + RedisProblem.Shorten(exception.Message));
            return default;
        }
    }
}
