using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PushGateway.Hub;
using PushGateway.Publishing;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Security;

/// <summary>
/// <c>GET /limits</c>: what a client must stay within, so that pages and client libraries check a message
/// before sending it instead of repeating the gateway's defaults (and going stale when they are configured).
/// </summary>
internal static class LimitsEndpoint
{
    public static RouteHandlerBuilder MapLimits(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/limits", GetLimits).WithName("GetLimits")
            .WithSummary("The limits a client must stay within: topics, WebSocket messages, publishes");

    private static JsonHttpResult<ClientLimits> GetLimits(
        IOptions<HubOptions> hub,
        IOptions<WebSocketTransportOptions> webSockets,
        IOptions<PublishOptions> publish,
        IOptions<LimitsOptions> limits)
    {
        var rates = limits.Value;
        return TypedResults.Json(
            new ClientLimits(
                new TopicLimits(TopicName.MaxLength, hub.Value.MaxTopicsPerConnection),
                new WebSocketLimits(webSockets.Value.MaxMessageBytes, rates.MessagesPerPeriod, Milliseconds(rates.MessageRatePeriod), rates.MessageBurst),
                new PublishLimits(
                    publish.Value.MaxRequestBytes,
                    PublishValidator.MaxEventTypeLength,
                    EventIdRules.MaxLength,
                    IdempotencyKeys.MaxLength,
                    Milliseconds(publish.Value.IdempotencyWindow),
                    PublishValidator.MaxRetryMilliseconds,
                    rates.PublishesPerPeriod,
                    Milliseconds(rates.PublishRatePeriod),
                    rates.PublishBurst)),
            LimitsJsonContext.Default.ClientLimits);
    }

    private static long Milliseconds(TimeSpan period) => (long)period.TotalMilliseconds;
}

/// <summary>What <c>GET /limits</c> answers.</summary>
internal sealed record ClientLimits(TopicLimits Topics, WebSocketLimits Ws, PublishLimits Publish);

/// <param name="MaxLength">Characters in a topic name.</param>
/// <param name="MaxPerConnection">Topics one stream (and one publish) may name.</param>
internal sealed record TopicLimits(int MaxLength, int MaxPerConnection);

/// <param name="MaxMessageBytes">UTF-8 bytes in one message a client sends; above, close 1009.</param>
/// <param name="MessagesPerPeriod">The bucket's refill per period.</param>
/// <param name="PeriodMs">The refill period.</param>
/// <param name="Burst">The bucket's size; beyond, close 1008.</param>
internal sealed record WebSocketLimits(int MaxMessageBytes, int MessagesPerPeriod, long PeriodMs, int Burst);

/// <param name="MaxRequestBytes">Bytes in one <c>POST /publish</c> body; above, 413.</param>
/// <param name="MaxEventLength">Characters in an event type.</param>
/// <param name="MaxIdLength">Characters in a publisher's own id.</param>
/// <param name="MaxIdempotencyKeyLength">Characters in an idempotency key.</param>
/// <param name="IdempotencyWindowMs">How long an idempotency key is remembered: a retry within it delivers nothing again.</param>
/// <param name="MaxRetryMs">The largest <c>retry</c>.</param>
/// <param name="PublishesPerPeriod">The bucket's refill per period, per token subject (else per address).</param>
/// <param name="PeriodMs">The refill period.</param>
/// <param name="Burst">The bucket's size; beyond, 429 with <c>Retry-After</c>.</param>
internal sealed record PublishLimits(
    int MaxRequestBytes,
    int MaxEventLength,
    int MaxIdLength,
    int MaxIdempotencyKeyLength,
    long IdempotencyWindowMs,
    int MaxRetryMs,
    int PublishesPerPeriod,
    long PeriodMs,
    int Burst);

[JsonSerializable(typeof(ClientLimits))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class LimitsJsonContext : JsonSerializerContext;
