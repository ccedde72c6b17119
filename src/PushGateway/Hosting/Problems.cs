using System.Globalization;
using PushGateway.Backplanes;

namespace PushGateway.Hosting;

/// <summary>RFC 9457 problem responses for what clients get wrong.</summary>
internal static class Problems
{
    /// <summary>The <c>type</c> of <see cref="PublishOutcomeUnknown"/>: a publisher can tell it from a proxy's 504.</summary>
    public const string PublishOutcomeUnknownType = "https://pushgateway.dev/problems/publish-outcome-unknown";

    /// <summary>The <c>type</c> of <see cref="IdempotencyKeyReused"/>.</summary>
    public const string IdempotencyKeyReusedType = "https://pushgateway.dev/problems/idempotency-key-reused";

    /// <summary>The error for a field or header sent twice: ambiguous (which one did a proxy check?), so refused.</summary>
    public const string GivenTwice = "Given more than once: send it once.";

    /// <summary>400 with the offending field named in <c>errors</c>.</summary>
    public static IResult Invalid(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [error] });

    public static IResult UnsupportedMediaType(string detail) =>
        Status(StatusCodes.Status415UnsupportedMediaType, detail);

    public static IResult TooLarge(string detail) =>
        Status(StatusCodes.Status413PayloadTooLarge, detail);

    /// <summary>
    /// 503 with a Retry-After drawn from [<paramref name="minRetrySeconds"/>, <paramref name="maxRetrySeconds"/>]:
    /// refused clients come back spread out rather than all in the same second.
    /// </summary>
    public static IResult Unavailable(HttpContext context, string title, string detail, int minRetrySeconds, int maxRetrySeconds)
    {
        context.Response.Headers.RetryAfter = Random.Shared.Next(minRetrySeconds, maxRetrySeconds + 1).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }

    /// <summary>
    /// 503 with Retry-After: the backplane cannot serve, and certainly nothing was published or subscribed. The detail
    /// and the <c>reason</c> member (<c>unreachable</c>, <c>authentication</c>, <c>unsupported</c>) say why: an outage
    /// passes by itself; the others are this node's misconfiguration, which another node may not share.
    /// </summary>
    public static IResult BackplaneUnavailable(HttpContext context, BackplaneUnavailableException exception)
    {
        context.Response.Headers.RetryAfter = "5";
        var (reason, detail) = exception.Fault switch
        {
            BackplaneFault.Authentication => ("authentication",
                "This gateway node's message bus refused its credentials (a configuration error on the gateway's side); nothing was done. "
                + "Try again later, or on another node."),
            BackplaneFault.Unsupported => ("unsupported",
                "This gateway node's message bus does not allow commands the gateway needs (a configuration error on the gateway's side); "
                + "nothing was done. Try again later, or on another node."),
            _ => ("unreachable", "The message bus between gateway nodes cannot be reached; nothing was done. Try again shortly."),
        };
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Backplane unavailable",
            detail: detail,
            extensions: new Dictionary<string, object?> { ["reason"] = reason });
    }

    /// <summary>
    /// 504: the backplane took the publish but did not confirm it, so it may have been delivered. No
    /// Retry-After: retrying is safe only with the same idempotency key, which the gateway then delivers at most once.
    /// </summary>
    public static IResult PublishOutcomeUnknown() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status504GatewayTimeout,
            title: "Publish outcome unknown",
            type: PublishOutcomeUnknownType,
            detail: "The message bus between gateway nodes did not confirm the publish: the message may or may not have been "
                + "stored and delivered. To publish it exactly once, retry the same publish with the same Idempotency-Key header (or "
                + "idempotencyKey field) within the idempotency window: the gateway then answers with the first publish's id if it "
                + "was stored, and publishes it if it was not.");

    /// <summary>422: the idempotency key stands for another publish within the window; nothing was published.</summary>
    public static IResult IdempotencyKeyReused() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "Idempotency-Key reused with a different request",
            type: IdempotencyKeyReusedType,
            detail: "This idempotency key was used within the idempotency window for a publish with other topics, event, data, "
                + "id or retry; nothing was published. Use a new key for a new publish.");

    public static IResult Status(int statusCode, string detail) =>
        TypedResults.Problem(statusCode: statusCode, detail: detail);
}
