using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>
/// The framework's rate limiting, partitioned per client: publishes per client. (Streams per address are counted by
/// <see cref="StreamAdmission"/>: the framework's lease ends with the request, and a stream outlives its request.)
/// </summary>
internal static class RateLimitPolicies
{
    public const string Publish = "publish";

    public static void Configure(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(Publish, context =>
        {
            var limits = Limits(context);
            var client = context.User.FindFirst("sub")?.Value is { } subject ? "sub:" + subject : "ip:" + Address(context);
            return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.PublishBurst,
                TokensPerPeriod = limits.PublishesPerPeriod,
                ReplenishmentPeriod = limits.PublishRatePeriod,
                QueueLimit = 0,
            });
        });
        options.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            await TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: "Too many publishes: try again after Retry-After seconds.")
                .ExecuteAsync(context).ConfigureAwait(false);
        };
    }

    private static LimitsOptions Limits(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;

    private static string Address(HttpContext context) => (context.Connection.RemoteIpAddress ?? IPAddress.None).ToString();
}
