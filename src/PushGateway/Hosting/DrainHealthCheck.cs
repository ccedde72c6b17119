using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PushGateway.Hosting;

/// <summary>Readiness: a node that has begun to drain takes no new connections, so load balancers should send none.</summary>
internal sealed class DrainHealthCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("shutting down: draining connections") : HealthCheckResult.Healthy());
}
