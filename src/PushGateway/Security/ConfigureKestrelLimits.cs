using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using PushGateway.Transports.Handoff;

namespace PushGateway.Security;

/// <summary>
/// Binds <c>Kestrel:Limits</c> (the host binds only endpoints from the <c>Kestrel</c> section), caps
/// connections below the open-files limit unless configured, and puts <see cref="ConnectionAdmission"/>
/// and <see cref="ConnectionHandoff"/> in front of every endpoint. A process out of descriptors cannot accept, answer or even log; one at its
/// cap closes new connections and keeps serving the ones it has.
/// </summary>
internal sealed class ConfigureKestrelLimits(
    IConfiguration configuration, IOptions<LimitsOptions> limits, SocketBudget budget, IServiceProvider services)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        var server = options.Limits;
        configuration.GetSection("Kestrel:Limits").Bind(server);
        if (server.MaxConcurrentConnections is null && budget.MaxSockets is { } maxSockets)
        {
            server.MaxConcurrentConnections = ConnectionCaps.DefaultMaxConnections(maxSockets);
        }

        if (server.MaxConcurrentUpgradedConnections is null && server.MaxConcurrentConnections is { } max)
        {
            server.MaxConcurrentUpgradedConnections = ConnectionCaps.StreamCap(max, limits.Value.ReservedConnections);
        }

        // Resolved on the first connection: the admission reads the options being configured here. The handoff
        // wraps the HTTP layer (inside the admission, which counts a handed-off connection until it ends).
        ConnectionAdmission? admission = null;
        options.ConfigureEndpointDefaults(listen => listen
            .Use(next => connection => (admission ??= services.GetRequiredService<ConnectionAdmission>()).OnConnectionAsync(connection, next))
            .Use(next => connection => ConnectionHandoff.OnConnectionAsync(connection, next)));
    }
}
