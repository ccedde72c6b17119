using Microsoft.Extensions.Diagnostics.HealthChecks;
using PushGateway.Backplanes.Redis;

namespace PushGateway.Backplanes;

/// <summary>Readiness: a node without its backplane serves its own connections but cannot publish.</summary>
internal sealed class BackplaneHealthCheck(IBackplane backplane) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backplane switch
        {
            RedisBackplane { IsAvailable: true } => HealthCheckResult.Healthy("Redis backplane connected"),
            RedisBackplane => HealthCheckResult.Unhealthy("Redis backplane unavailable"),
            _ => HealthCheckResult.Healthy("in-process backplane"),
        });
}
