using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// A client's frame in the sub-protocol, every type's fields in one shape (docs/protocol.md): <c>type</c> says
/// which apply. Unknown fields are ignored, so that a newer client can talk to this server.
/// </summary>
internal sealed record ClientEnvelope
{
    /// <summary><c>subscribe</c>, <c>unsubscribe</c>, <c>publish</c>, <c>refresh</c> or <c>ping</c>.</summary>
    public string? Type { get; init; }

    /// <summary>The request's id, chosen by the client: every answer to it carries it back.</summary>
    public string? Id { get; init; }

    /// <summary>
    /// <c>subscribe</c>: topics, each a name or <c>{"topic":…,"lastEventId":…}</c>; <c>unsubscribe</c> and
    /// <c>publish</c>: topic names.
    /// </summary>
    public JsonElement Topics { get; init; }

    /// <summary><c>publish</c>: the event type; default <c>message</c>.</summary>
    public string? Event { get; init; }

    /// <summary><c>publish</c>: the payload; may be empty, must be present.</summary>
    public string? Data { get; init; }

    /// <summary><c>publish</c>: the publisher's own event id; default: the gateway assigns one.</summary>
    public string? EventId { get; init; }

    /// <summary><c>publish</c>: a reconnection delay in milliseconds to send with the message.</summary>
    [JsonNumberHandling(JsonNumberHandling.Strict)]
    public int? Retry { get; init; }

    /// <summary><c>publish</c>: a key that makes a retried publish deliver once (idempotent publish).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary><c>refresh</c>: the new token.</summary>
    public string? Token { get; init; }
}

/// <remarks>Web defaults, but a property given twice is ambiguous: a <c>bad_frame</c>.</remarks>
[JsonSerializable(typeof(ClientEnvelope))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowDuplicateProperties = false)]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
