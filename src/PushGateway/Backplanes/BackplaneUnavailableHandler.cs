using Microsoft.AspNetCore.Diagnostics;

namespace PushGateway.Backplanes;

/// <summary>Answers 503 with a problem body when the backplane is down, wherever the request was.</summary>
internal sealed class BackplaneUnavailableHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BackplaneUnavailableException || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Backplane unavailable",
                Detail = "The message bus between gateway nodes cannot be reached; nothing was published. Try again shortly.",
            },
        }).ConfigureAwait(false);
    }
}
