using System.Security.Cryptography;
using System.Text;
using PushGateway.Hub;
using PushGateway.Publishing;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>The keys and channel of one gateway in Redis.</summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>Every message, in id order: what each node tails to deliver to its subscribers.</summary>
    public RedisKey Delivery { get; } = prefix + "delivery";

    /// <summary>When this Redis dataset began (ms): ids older than that were lost with an earlier dataset.</summary>
    public RedisKey Epoch { get; } = prefix + "epoch";

    /// <summary>Rung after every publish, so that nodes read the delivery stream at once instead of polling.</summary>
    public RedisChannel Doorbell { get; } = RedisChannel.Literal(prefix + "doorbell");

    public string NodePattern { get; } = prefix + "node:*";

    /// <summary>A topic's history: the same ids as the delivery stream, so they compare across topics.</summary>
    public RedisKey Topic(string topic) => prefix + "topic:" + topic;

    /// <summary>
    /// The stream id given to a publish that carried its own id, for <see cref="RedisOptions.DeduplicationWindow"/>:
    /// named by a hash of the id and the content, so that only the same publish made again matches.
    /// </summary>
    public RedisKey Published(MessageDraft draft) => prefix + "published:" + PublishFingerprint.Of(draft);

    /// <summary>
    /// A publish's idempotency key (already scoped to its publisher), for <see cref="PublishOptions.IdempotencyWindow"/>:
    /// named by its SHA-256, so that a key or subject never shows in Redis and any characters are fine.
    /// </summary>
    public RedisKey Idempotency(string scopedKey) =>
        prefix + "idempotency:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scopedKey)));

    /// <summary>The ids of the nodes that report live stats (a node whose stats key expired is removed by the next reader).</summary>
    public RedisKey StatsNodes { get; } = prefix + "stats:nodes";

    /// <summary>A node's recent live-stats points (JSON, oldest first), expiring unless the node refreshes them.</summary>
    public RedisKey Stats(string nodeId) => prefix + "stats:" + nodeId;

    /// <summary>Held by the node that claimed a cluster-wide job (a tick), until it expires.</summary>
    public RedisKey Claim(string name) => prefix + "claim:" + name;

    /// <summary>A key of the kind <paramref name="kind"/> that a node's probe of Redis writes and deletes (<see cref="RedisScripts.Probe"/>).</summary>
    public RedisKey Probe(string nodeId, string kind) => prefix + "probe:" + nodeId + ":" + kind;

    /// <summary>A node's subscriber counts by topic, expiring unless the node refreshes them.</summary>
    public RedisKey Node(string nodeId) => prefix + "node:" + nodeId;
}
