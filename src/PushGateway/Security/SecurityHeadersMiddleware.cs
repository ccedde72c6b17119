namespace PushGateway.Security;

/// <summary>
/// Headers that keep the demo pages to the gateway's own scripts, styles and connections, so that
/// text a client sends can never become script or reach out elsewhere, even through a bug.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        // 'self' does not cover ws:/wss: in every browser: name the same host for both schemes
        // (Kestrel has already rejected a Host header with characters that could break out of it).
        var host = context.Request.Host;
        var webSockets = host.HasValue ? $" ws://{host.Value} wss://{host.Value}" : string.Empty;
        headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
            $"connect-src 'self'{webSockets}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }
}
