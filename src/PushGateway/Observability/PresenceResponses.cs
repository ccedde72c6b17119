using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Observability;

/// <summary><c>GET /topics/{topic}</c>: who is listening on this node, and where the topic stands.</summary>
public sealed record TopicPresenceResponse(string Topic, int Subscribers, string? LastEventId);

/// <summary><c>GET /stats</c>: this node's totals.</summary>
/// <param name="Connections">Open connections by transport (<c>ws</c>, <c>sse</c>).</param>
/// <param name="Subscribers">Open subscriptions (one per connection).</param>
/// <param name="Published">Messages published since start.</param>
public sealed record StatsResponse(IReadOnlyDictionary<string, long> Connections, int Subscribers, long Published);

[JsonSerializable(typeof(TopicPresenceResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PresenceJsonContext : JsonSerializerContext;
