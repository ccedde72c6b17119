using Microsoft.Extensions.Options;
using PushGateway.Security;

namespace PushGateway.Observability;

/// <summary>
/// Operator endpoints (<c>/metrics</c>, the dashboard's data) follow <see cref="MetricsOptions.Access"/>:
/// mark them with <see cref="RequireMetricsAccess{TBuilder}"/>; <see cref="UseMetricsAccess"/> (after
/// authentication) answers 401 or 403 with a problem body for the requests that may not read them.
/// </summary>
internal static class MetricsAccessExtensions
{
    public static TBuilder RequireMetricsAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(MetricsAccessMetadata.Instance);
        return builder;
    }

    /// <summary>Checks the endpoints marked by <see cref="RequireMetricsAccess{TBuilder}"/>; after <c>UseAuthentication()</c>.</summary>
    public static IApplicationBuilder UseMetricsAccess(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
        var authorizer = app.ApplicationServices.GetRequiredService<TopicAuthorizer>();
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<MetricsAccessMetadata>() is null)
            {
                return next(context);
            }

            var decision = Check(context, options.Access, authorizer.Enabled);
            return decision.IsAllowed ? next(context) : AccessProblems.For(decision, "read the metrics", context).ExecuteAsync(context);
        });
    }

    private static AccessDecision Check(HttpContext context, MetricsAccess access, bool authorizationOn)
    {
        if (access == MetricsAccess.Open || !authorizationOn)
        {
            return AccessDecision.Allowed;
        }

        if (context.User.Identity?.IsAuthenticated != true)
        {
            return new AccessDecision(AccessResult.Unauthenticated);
        }

        return GatewayClaims.From(context.User).Admin ? AccessDecision.Allowed : new AccessDecision(AccessResult.Forbidden);
    }

    private sealed class MetricsAccessMetadata
    {
        public static MetricsAccessMetadata Instance { get; } = new();
    }
}
