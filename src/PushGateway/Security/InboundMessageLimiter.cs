using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>
/// A token bucket per WebSocket for the messages it sends. One partitioned limiter for all
/// connections: a single replenishment timer, and idle buckets are reclaimed by the framework.
/// </summary>
internal sealed class InboundMessageLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter;

    public InboundMessageLimiter(IOptions<LimitsOptions> options)
    {
        var limits = options.Value;
        _limiter = PartitionedRateLimiter.Create<long, long>(connection => RateLimitPartition.GetTokenBucketLimiter(connection, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.MessageBurst,
                TokensPerPeriod = limits.MessagesPerPeriod,
                ReplenishmentPeriod = limits.MessageRatePeriod,
                QueueLimit = 0,
            }));
    }

    /// <summary>Takes one message's token from <paramref name="connectionId"/>'s bucket; false when it is empty.</summary>
    public bool TryAcquire(long connectionId)
    {
        using var lease = _limiter.AttemptAcquire(connectionId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
