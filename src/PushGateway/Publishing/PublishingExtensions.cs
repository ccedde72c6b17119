using System.Text.Json.Serialization;
using PushGateway.Hosting;
using PushGateway.Security;

namespace PushGateway.Publishing;

internal static class PublishingExtensions
{
    /// <summary>The ticker (<see cref="TickerOptions"/>) and the HTTP publish API (<see cref="PublishOptions"/>).</summary>
    public static IServiceCollection AddPublishing(this IServiceCollection services)
    {
        services.AddValidatedOptions<TickerOptions>(TickerOptions.Section);
        services.AddValidatedOptions<PublishOptions>(PublishOptions.Section);
        services.AddHostedService<TickerService>();
        // No endpoint binds a body through the HTTP JSON options (POST /publish reads it with its own
        // strict context); they write responses and describe the API, where numbers read from strings
        // would have the OpenAPI document call retry "integer or string".
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services;
    }

    /// <summary>Maps <c>POST /publish</c>.</summary>
    public static RouteHandlerBuilder MapPublishApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/publish", PublishEndpoint.HandleAsync)
            .RequireRateLimiting(RateLimitPolicies.Publish)
            .RequireOpenForPublishing()
            .WithName("Publish")
            .WithSummary("Publish a message to one or more topics")
            .WithDescription("Form fields or JSON: topic (one or more), data, and optionally event, id, retry and idempotencyKey (or the "
                + "Idempotency-Key header). Answers with the event id; a retry with the same key within the idempotency window gets the "
                + "first answer, with Idempotent-Replayed: true, and delivers nothing again.")
            .Accepts<PublishRequest>("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            .Produces<PublishResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
}
