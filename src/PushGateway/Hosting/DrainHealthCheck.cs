using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PushGateway.Hosting;

/// <summary>
/// Readiness: a node that has begun to drain takes no new connections, so load balancers should send none.
/// Degraded rather than unhealthy, which the health check service would log as an error on every probe:
/// nothing is wrong; <c>/readyz</c> answers 503 for it all the same.
/// </summary>
internal sealed class DrainHealthCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Degraded("shutting down: draining connections") : HealthCheckResult.Healthy("accepting connections"));
}
