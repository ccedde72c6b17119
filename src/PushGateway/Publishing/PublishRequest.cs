using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Publishing;

/// <summary>
/// The body of <c>POST /publish</c>, as JSON or as form fields of the same names (<c>topic</c>
/// repeated for several topics).
/// </summary>
internal sealed record PublishRequest
{
    /// <summary>One topic, or several (a JSON array, or the form field repeated).</summary>
    public JsonElement Topic { get; init; }

    /// <summary>The payload; may be empty, must be present.</summary>
    public string? Data { get; init; }

    /// <summary>The SSE event type; default <c>message</c>.</summary>
    public string? Event { get; init; }

    /// <summary>Your own event id (not of the gateway's <c>digits-digits</c> form); default: the gateway assigns one.</summary>
    public string? Id { get; init; }

    /// <summary>A reconnection delay in milliseconds to send with the event.</summary>
    /// <remarks>
    /// A number, strictly (the web defaults read numbers from strings too): <c>"retry":"5000"</c> is a
    /// 400 naming <c>retry</c>, and the OpenAPI document says <c>integer</c>.
    /// </remarks>
    [JsonNumberHandling(JsonNumberHandling.Strict)]
    public int? Retry { get; init; }

    /// <summary>
    /// A key that makes retries of this publish safe (or the <c>Idempotency-Key</c> header): within the idempotency window,
    /// a publish with the same key gets the first one's answer and delivers nothing again.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>What <c>POST /publish</c> answers.</summary>
/// <param name="Id">The event id subscribers see.</param>
internal sealed record PublishResponse(string Id);

/// <remarks>Web defaults, but a property given twice is ambiguous: a 400 naming it.</remarks>
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowDuplicateProperties = false)]
internal sealed partial class PublishJsonContext : JsonSerializerContext;
