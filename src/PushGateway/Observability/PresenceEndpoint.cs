using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Security;

namespace PushGateway.Observability;

internal static class PresenceEndpoint
{
    /// <summary><c>GET /topics/{topic}</c>.</summary>
    public static RouteHandlerBuilder MapPresence(this IEndpointRouteBuilder endpoints) =>
        // {**topic}: topic names may contain slashes.
        endpoints.MapGet("/topics/{**topic}", GetTopic).WithName("GetTopic")
            .WithSummary("Subscribers of a topic on this node, and its newest held event id")
            .Produces<TopicPresenceResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> GetTopic(string topic, HttpContext context, IBroadcastHub hub, TopicAuthorizer authorizer)
    {
        if (!TopicName.IsValid(topic))
        {
            return Problems.Invalid("topic", TopicName.Invalid(topic));
        }

        // Who listens to a private topic is as private as the topic.
        var access = authorizer.CanSubscribe(context.User, [topic]);
        if (!access.IsAllowed)
        {
            return AccessProblems.For(access, "see", context);
        }

        TopicPresence presence;
        try
        {
            presence = await hub.GetPresenceAsync(topic, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException exception)
        {
            return Problems.BackplaneUnavailable(context, exception);
        }

        return TypedResults.Json(new TopicPresenceResponse(topic, presence.Subscribers, presence.LastEventId), PresenceJsonContext.Default.TopicPresenceResponse);
    }
}
