using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Observability.LiveStats;

/// <summary><c>GET /dashboard/stats</c>: the last minutes, one point a second, per node and for the cluster.</summary>
/// <param name="Node">The id of the node that answered.</param>
/// <param name="WindowMs">How far back the points go (<c>PushGateway:Dashboard:Window</c>), in milliseconds.</param>
/// <param name="Nodes">Every node heard from in the last few seconds (only this one without Redis), this one first.</param>
/// <param name="Cluster">The sum over the nodes, second by second, up to the newest second all of them reported (latency: the highest of the nodes' percentiles).</param>
internal sealed record LiveStatsResponse(string Node, long WindowMs, IReadOnlyList<NodeStats> Nodes, ClusterStats Cluster);

/// <param name="Node">The node's id (the one the Redis backplane uses for presence).</param>
/// <param name="Points">Its points after <c>since</c>, oldest first.</param>
internal sealed record NodeStats(string Node, IReadOnlyList<LiveStatsPoint> Points);

/// <param name="Nodes">How many nodes are summed.</param>
/// <param name="Points">The sums after <c>since</c>, oldest first.</param>
internal sealed record ClusterStats(int Nodes, IReadOnlyList<LiveStatsPoint> Points);

[JsonSerializable(typeof(LiveStatsResponse))]
[JsonSerializable(typeof(LiveStatsPoint))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class LiveStatsJsonContext : JsonSerializerContext;
