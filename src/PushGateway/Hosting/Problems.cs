using Microsoft.AspNetCore.Http.Features;

namespace PushGateway.Hosting;

/// <summary>RFC 9457 problem responses for what clients get wrong.</summary>
public static class Problems
{
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
    /// Caps the request body at <paramref name="maxBytes"/>: a declared larger body gets the 413 returned
    /// here at once; an undeclared (chunked) one fails with a 413 <see cref="BadHttpRequestException"/> while read.
    /// </summary>
    public static IResult? LimitBody(HttpContext context, int maxBytes, string what)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return TooLarge($"{what} takes at most {maxBytes} bytes.");
        }

        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = maxBytes;
        return null;
    }

    /// <summary>503 with Retry-After: the backplane is down, nothing was published or subscribed.</summary>
    public static IResult BackplaneUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Backplane unavailable",
            detail: "The message bus between gateway nodes cannot be reached; nothing was done. Try again shortly.");
    }

    public static IResult Status(int statusCode, string detail) =>
        TypedResults.Problem(statusCode: statusCode, detail: detail);
}
