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
    /// <summary>Descriptors kept back beyond those open at start-up when none are configured.</summary>
    public const int DefaultSpareFileDescriptors = 256;

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

    /// <summary>Kestrel's default cap: the open-files limit less what the process itself needs.</summary>
    public static long DefaultMaxConnections(long openFilesLimit, int descriptorsInUse, int? reservedFileDescriptors)
    {
        var reserve = reservedFileDescriptors ?? descriptorsInUse + DefaultSpareFileDescriptors;
        var max = openFilesLimit - reserve;
        return max >= 1
            ? max
            : throw new OptionsValidationException(nameof(LimitsOptions), typeof(LimitsOptions),
                [$"The open-files limit ({openFilesLimit}) leaves no room for connections after {reserve} reserved descriptors: raise it (ulimit -n) or set Kestrel:Limits:MaxConcurrentConnections."]);
    }

    public static long StreamCap(long maxConnections, int? reservedConnections) =>
        maxConnections - (reservedConnections ?? Math.Max(16, maxConnections / 20));
}
