namespace PushGateway.Security;

internal static class SecurityHeadersExtensions
{
    /// <summary>Content-Security-Policy, nosniff and Referrer-Policy on every response.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.UseMiddleware<SecurityHeadersMiddleware>();
}
