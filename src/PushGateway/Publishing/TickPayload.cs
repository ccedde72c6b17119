using System.Text.Json.Serialization;

namespace PushGateway.Publishing;

/// <summary>The data of a tick: a sentence for people and the instant for programs.</summary>
internal sealed record TickPayload(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("time")] string Time);

[JsonSerializable(typeof(TickPayload))]
internal sealed partial class TickPayloadJsonContext : JsonSerializerContext;
