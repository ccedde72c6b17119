using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PushGateway.Backplanes;

/// <summary>Readiness: a node without its backplane serves its own connections but cannot publish; the description says why.</summary>
internal sealed class BackplaneHealthCheck(IBackplane backplane) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backplane.IsAvailable ? HealthCheckResult.Healthy(backplane.Status) : HealthCheckResult.Unhealthy(backplane.Status));
}
