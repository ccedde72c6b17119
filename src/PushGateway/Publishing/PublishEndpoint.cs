using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Publishing;

/// <summary><c>POST /publish</c>: backends push to topics over HTTP, with form fields or JSON.</summary>
internal static class PublishEndpoint
{
    /// <summary>The fields that take one value (<c>topic</c> may be repeated).</summary>
    private static readonly string[] ScalarFields = ["data", "event", "id", "retry", IdempotencyKeys.Field];

    private static readonly string[] GivenTwice = [Problems.GivenTwice];

    public static async Task<IResult> HandleAsync(
        HttpContext context,
        IBroadcastHub hub,
        TopicAuthorizer authorizer,
        GatewayMetrics metrics,
        IOptions<PublishOptions> options,
        IOptions<HubOptions> hubOptions)
    {
        // Refuse before reading the body: an anonymous client learns nothing from validation errors.
        if (authorizer.Enabled && context.User.Identity?.IsAuthenticated != true)
        {
            return AccessProblems.For(new AccessDecision(AccessResult.Unauthenticated), "publish", context);
        }

        var request = context.Request;
        if (RequestBodyReader.CapSize(context, options.Value.MaxRequestBytes, "A publish request") is { } tooLarge)
        {
            return tooLarge;
        }

        IReadOnlyList<string?> topics;
        string? data, eventType, id, retry, idempotencyKey;
        if (request.HasFormContentType)
        {
            var read = await RequestBodyReader.ReadFormAsync(context).ConfigureAwait(false);
            if (read.Problem is { } unreadable)
            {
                return unreadable;
            }

            var form = read.Value!;
            var repeated = ScalarFields.Where(field => form[field].Count > 1).ToDictionary(field => field, _ => GivenTwice);
            if (repeated.Count > 0)
            {
                return TypedResults.ValidationProblem(repeated);
            }

            topics = [.. form["topic"]];
            (data, eventType, id, retry, idempotencyKey) = (form["data"], form["event"], form["id"], form["retry"], form[IdempotencyKeys.Field]);
        }
        else if (request.HasJsonContentType())
        {
            var read = await RequestBodyReader.ReadJsonAsync(context, PublishJsonContext.Default.PublishRequest).ConfigureAwait(false);
            if (read.Problem is { } unreadable)
            {
                return unreadable;
            }

            if (read.Value is not { } json)
            {
                return Problems.Invalid(RequestBodyReader.BodyField, "A JSON object, not null.");
            }

            if (!TryReadTopics(json.Topic, out topics))
            {
                return Problems.Invalid("topic", "A topic name, or an array of them.");
            }

            (data, eventType, id, retry, idempotencyKey) = (json.Data, json.Event, json.Id, json.Retry?.ToString(CultureInfo.InvariantCulture), json.IdempotencyKey);
        }
        else
        {
            return Problems.UnsupportedMediaType(
                "POST /publish takes application/x-www-form-urlencoded, multipart/form-data or application/json.");
        }

        var draft = PublishValidator.Validate(topics, data, eventType, id, retry, hubOptions.Value.MaxTopicsPerConnection, out var errors);
        var key = IdempotencyKeys.Read(request.Headers[IdempotencyKeys.Header], idempotencyKey, errors);
        if (draft is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (key is not null)
        {
            draft = draft with { IdempotencyKey = IdempotencyKeys.Scoped(key, context.User, authorizer.Enabled) };
        }

        var access = authorizer.CanPublish(context.User, draft.Topics);
        if (!access.IsAllowed)
        {
            return AccessProblems.For(access, "publish to", context);
        }

        try
        {
            var result = await hub.PublishAsync(draft, context.RequestAborted).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case PublishOutcome.KeyReused:
                    return Problems.IdempotencyKeyReused();
                case PublishOutcome.Replayed:
                    context.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
                    break;
                default:
                    metrics.MessagePublished(MessageSources.PublishApi);
                    break;
            }

            return TypedResults.Ok(new PublishResponse(draft.EventIdAt(result.Position)));
        }
        catch (BackplaneUnavailableException exception)
        {
            return Problems.BackplaneUnavailable(context, exception);
        }
        catch (PublishOutcomeUnknownException)
        {
            return Problems.PublishOutcomeUnknown();
        }
    }

    private static bool TryReadTopics(JsonElement topic, out IReadOnlyList<string?> topics)
    {
        switch (topic.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                topics = [];
                return true;
            case JsonValueKind.String:
                topics = [topic.GetString()];
                return true;
            case JsonValueKind.Array when topic.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String):
                topics = [.. topic.EnumerateArray().Select(item => item.GetString())];
                return true;
            default:
                topics = [];
                return false;
        }
    }
}
