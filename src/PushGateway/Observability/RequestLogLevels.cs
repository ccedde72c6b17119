using Serilog.Events;

namespace PushGateway.Observability;

/// <summary>
/// The level of each request's log line. Error is kept for requests the gateway failed (an exception): a 5xx it
/// chose to answer (backplane down, node at capacity) is a Warning, so that clients who provoke them by the
/// thousand cannot fill the error log.
/// </summary>
internal static class RequestLogLevels
{
    public static LogEventLevel For(HttpContext context, double elapsedMilliseconds, Exception? exception) =>
        exception is not null ? LogEventLevel.Error
        : context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Warning
        : LogEventLevel.Information;
}
