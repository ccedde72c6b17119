using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>The JSON body of <c>POST /sse</c>, for clients (fetch-event-source) that send headers and a body.</summary>
internal sealed record SseSubscribeRequest
{
    /// <summary>Topics to subscribe to; none means the default set (ticker and chat).</summary>
    public IReadOnlyList<string?>? Topics { get; init; }

    /// <summary>Resume after this id; a <c>Last-Event-ID</c> header wins over it.</summary>
    public string? LastEventId { get; init; }
}

/// <remarks>Web defaults, but a property given twice is ambiguous: a 400 naming it.</remarks>
[JsonSerializable(typeof(SseSubscribeRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowDuplicateProperties = false)]
internal sealed partial class SseJsonContext : JsonSerializerContext;
