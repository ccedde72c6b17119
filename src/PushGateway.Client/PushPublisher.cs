using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushGateway.Client;

/// <summary>
/// Publishes through <c>POST /publish</c>. Registered with <see cref="PushGatewayClientServiceCollectionExtensions.AddPushGatewayClient"/>
/// on an <see cref="HttpClient"/> whose resilience handler retries transient failures (timeouts, 5xx, 429 after its
/// <c>Retry-After</c>): safe for a publish, because every attempt carries the same idempotency key and the gateway
/// delivers a key's publish once — also when an attempt timed out after the gateway had taken it.
/// </summary>
public sealed class PushPublisher(HttpClient http)
{
    /// <summary>The header that carries a publish's idempotency key.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The header by which the gateway says it answered a key it had seen.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Publishes <paramref name="publication"/>; throws <see cref="PushGatewayException"/> when the gateway refuses it.</summary>
    public async Task<PublishResult> PublishAsync(PushPublication publication, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publication);
        var body = new PublishBody(publication.Topics, publication.Data, publication.EventType, publication.Id, publication.RetryMilliseconds);
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish")
        {
            Content = JsonContent.Create(body, ClientJsonContext.Default.PublishBody),
        };
        request.Headers.Add(IdempotencyKeyHeader, publication.IdempotencyKey ?? Guid.NewGuid().ToString("N"));

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await PushGatewayException.FromAsync(response, cancellationToken).ConfigureAwait(false);
        }

        var answer = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.PublishAnswer, cancellationToken).ConfigureAwait(false)
            ?? throw new PushGatewayException("The gateway answered a publish with an empty body.");
        return new PublishResult(answer.Id, response.Headers.Contains(ReplayedHeader));
    }

    /// <summary>Publishes <paramref name="data"/> on one topic.</summary>
    public Task<PublishResult> PublishAsync(string topic, string data, CancellationToken cancellationToken = default) =>
        PublishAsync(new PushPublication([topic], data), cancellationToken);
}

internal sealed record PublishBody(
    [property: JsonPropertyName("topic")] IReadOnlyList<string> Topics,
    string Data,
    [property: JsonPropertyName("event")] string? EventType,
    string? Id,
    [property: JsonPropertyName("retry")] int? RetryMilliseconds);

internal sealed record PublishAnswer(string Id);

[JsonSerializable(typeof(PublishBody))]
[JsonSerializable(typeof(PublishAnswer))]
[JsonSerializable(typeof(GapNotice))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
