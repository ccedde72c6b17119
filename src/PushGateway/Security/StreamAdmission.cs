using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Observability;

namespace PushGateway.Security;

/// <summary>
/// Holds <c>/ws</c> and <c>/sse</c> below <see cref="ConnectionCaps.MaxStreams"/> (and WebSockets below Kestrel's
/// upgraded-connection cap, which would otherwise fail the upgrade with a 500), so that the node keeps room for
/// publishers and health probes: beyond, a request gets 503 with a randomised Retry-After, so that refused
/// clients do not all come back in the same second. One client address holds at most
/// <see cref="LimitsOptions.MaxConnectionsPerAddress"/> of them: beyond, 429. A stream is counted until it ends,
/// also after its request handed the connection off.
/// </summary>
internal sealed class StreamAdmission(ConnectionCaps caps, GatewayMetrics metrics, IOptions<LimitsOptions> limits)
{
    /// <summary>The range Retry-After is drawn from, in seconds.</summary>
    public const int MinRetrySeconds = 5;

    public const int MaxRetrySeconds = 30;

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _byAddress = [];
    private long _streams;
    private long _webSockets;

    public enum Outcome
    {
        Admitted,
        NodeFull,
        AddressFull,
    }

    /// <summary>Enters a stream from <paramref name="address"/>; nothing to leave unless admitted.</summary>
    public Outcome TryEnter(bool webSocket, IPAddress address)
    {
        lock (_lock)
        {
            ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(_byAddress, address, out _);
            if (held >= limits.Value.MaxConnectionsPerAddress)
            {
                metrics.ConnectionRefused("address_streams");
                return Outcome.AddressFull;
            }

            if (_streams >= caps.MaxStreams || (webSocket && _webSockets >= caps.MaxWebSockets))
            {
                if (held == 0)
                {
                    _byAddress.Remove(address);
                }

                metrics.ConnectionRefused("streams");
                return Outcome.NodeFull;
            }

            held++;
            _streams++;
            _webSockets += webSocket ? 1 : 0;
            return Outcome.Admitted;
        }
    }

    public void Leave(bool webSocket, IPAddress address)
    {
        lock (_lock)
        {
            ref var held = ref CollectionsMarshal.GetValueRefOrNullRef(_byAddress, address);
            if (--held == 0)
            {
                _byAddress.Remove(address);
            }

            _streams--;
            _webSockets -= webSocket ? 1 : 0;
        }
    }

    /// <summary>The answer for a refusal: 503 with a problem body and a Retry-After drawn from [<see cref="MinRetrySeconds"/>, <see cref="MaxRetrySeconds"/>] for a full node, 429 for an address at its cap.</summary>
    public static IResult Refusal(HttpContext context, Outcome outcome) =>
        outcome == Outcome.AddressFull
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: "Too many open connections from this address.")
            : Problems.Unavailable(context, "At capacity",
                "This node holds as many /ws and /sse connections as it may. Try again after Retry-After seconds, or on another node.",
                MinRetrySeconds, MaxRetrySeconds);
}
