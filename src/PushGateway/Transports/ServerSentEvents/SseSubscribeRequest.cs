using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>The JSON body of <c>POST /sse</c>, for clients (fetch-event-source) that send headers and a body.</summary>
public sealed record SseSubscribeRequest
{
    /// <summary>Topics to subscribe to; none means the default set (ticker and chat).</summary>
    public IReadOnlyList<string?>? Topics { get; init; }

    /// <summary>Resume after this id; a <c>Last-Event-ID</c> header wins over it.</summary>
    public string? LastEventId { get; init; }
}

[JsonSerializable(typeof(SseSubscribeRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class SseJsonContext : JsonSerializerContext;
