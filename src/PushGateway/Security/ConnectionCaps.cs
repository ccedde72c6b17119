using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>
/// How many connections this node takes: Kestrel's caps (from <c>Kestrel:Limits</c>, else derived from the
/// open-files limit by <see cref="ConfigureKestrelLimits"/>), of which <c>/ws</c> and <c>/sse</c> may hold
/// all but <see cref="LimitsOptions.ReservedConnections"/>. Null means no cap.
/// </summary>
internal sealed class ConnectionCaps
{
    public ConnectionCaps(IOptions<KestrelServerOptions> kestrel, IOptions<LimitsOptions> limits)
    {
        var server = kestrel.Value.Limits;
        MaxConnections = server.MaxConcurrentConnections;
        MaxWebSockets = server.MaxConcurrentUpgradedConnections;
        if (MaxConnections is { } max)
        {
            MaxStreams = StreamCap(max, limits.Value.ReservedConnections);
            if (MaxStreams < 1)
            {
                throw new OptionsValidationException(nameof(LimitsOptions), typeof(LimitsOptions),
                [$"{LimitsOptions.Section}:ReservedConnections leaves none of the {max} connections (Kestrel:Limits:MaxConcurrentConnections) for /ws and /sse."]);
            }
        }

        MaxSocketsPerAddress = limits.Value.MaxSocketsPerAddress is > 0 and var perAddress ? perAddress : null;
    }

    /// <summary>TCP connections open at once, upgraded ones included.</summary>
    public long? MaxConnections { get; }

    /// <summary><c>/ws</c> and <c>/sse</c> connections open at once.</summary>
    public long? MaxStreams { get; }

    /// <summary>Upgraded (<c>/ws</c>) connections open at once.</summary>
    public long? MaxWebSockets { get; }

    public int? MaxSocketsPerAddress { get; }

    /// <summary>
    /// Kestrel's default cap: a little below the sockets the process may hold, so that connections being refused or
    /// closed to make room (each holds its socket until it is gone) still fit.
    /// </summary>
    public static long DefaultMaxConnections(long maxSockets) => maxSockets - Math.Max(32, maxSockets / 50);

    public static long StreamCap(long maxConnections, int? reservedConnections) =>
        maxConnections - (reservedConnections ?? Math.Max(16, maxConnections / 20));
}
