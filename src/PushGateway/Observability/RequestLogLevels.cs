using Serilog.Events;

namespace PushGateway.Observability;

/// <summary>
/// The level of each request's own log line. Requests that went as they should (and 429s, the answer to a flood)
/// are Debug: a busy node answers thousands a second, and <see cref="RequestSummary"/> counts them in one line a
/// minute. Health probes are Debug whatever they answer: what makes a node unready is logged where it happens.
/// Other client errors are Information; Error is kept for requests the gateway failed (an exception): a 5xx it
/// chose to answer (backplane down, node at capacity) is a Warning, so that clients who provoke them by the
/// thousand cannot fill the error log.
/// </summary>
internal static class RequestLogLevels
{
    public static LogEventLevel For(HttpContext context, double elapsedMilliseconds, Exception? exception) =>
        exception is not null ? LogEventLevel.Error
        : ObservabilityExtensions.IsHealthProbe(context.Request.Path) ? LogEventLevel.Debug
        : context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Warning
        : context.Response.StatusCode is < StatusCodes.Status400BadRequest or StatusCodes.Status429TooManyRequests ? LogEventLevel.Debug
        : LogEventLevel.Information;
}
