using Microsoft.Net.Http.Headers;

namespace PushGateway.Security;

/// <summary>401 and 403 problem responses for a refused <see cref="AccessDecision"/>.</summary>
internal static class AccessProblems
{
    public static IResult For(AccessDecision decision, string action, HttpContext context)
    {
        if (decision.Result == AccessResult.Unauthenticated)
        {
            context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Token required",
                detail: $"To {action}{(decision.Topic is null ? "" : $" '{decision.Topic}'")}, send a valid bearer token " +
                    "(Authorization header, cookie or access_token parameter).");
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Not allowed",
            detail: $"The token does not allow you to {action}{(decision.Topic is null ? "" : $" '{decision.Topic}'")}.");
    }
}
