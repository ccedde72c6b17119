using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Observability;

/// <summary><c>GET /topics/{topic}</c>: who is listening on this node, and where the topic stands.</summary>
internal sealed record TopicPresenceResponse(string Topic, int Subscribers, string? LastEventId);

[JsonSerializable(typeof(TopicPresenceResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PresenceJsonContext : JsonSerializerContext;
