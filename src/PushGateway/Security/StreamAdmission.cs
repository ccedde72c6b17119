using PushGateway.Hosting;
using PushGateway.Observability;

namespace PushGateway.Security;

/// <summary>
/// Holds <c>/ws</c> and <c>/sse</c> below <see cref="ConnectionCaps.MaxStreams"/> (and WebSockets below Kestrel's
/// upgraded-connection cap, which would otherwise fail the upgrade with a 500), so that the node keeps room for
/// publishers and health probes: beyond, a request gets 503 with a randomised Retry-After, so that refused
/// clients do not all come back in the same second.
/// </summary>
internal sealed class StreamAdmission(ConnectionCaps caps, GatewayMetrics metrics)
{
    /// <summary>The range Retry-After is drawn from, in seconds.</summary>
    public const int MinRetrySeconds = 5;

    public const int MaxRetrySeconds = 30;

    private long _streams;
    private long _webSockets;

    /// <summary>Enters a stream; false (and nothing to leave) when the node is full.</summary>
    public bool TryEnter(bool webSocket)
    {
        if (Interlocked.Increment(ref _streams) > caps.MaxStreams)
        {
            Interlocked.Decrement(ref _streams);
            metrics.ConnectionRefused("streams");
            return false;
        }

        if (webSocket && Interlocked.Increment(ref _webSockets) > caps.MaxWebSockets)
        {
            Interlocked.Decrement(ref _webSockets);
            Interlocked.Decrement(ref _streams);
            metrics.ConnectionRefused("streams");
            return false;
        }

        return true;
    }

    public void Leave(bool webSocket)
    {
        if (webSocket)
        {
            Interlocked.Decrement(ref _webSockets);
        }

        Interlocked.Decrement(ref _streams);
    }

    /// <summary>503 with a problem body and a Retry-After drawn from [<see cref="MinRetrySeconds"/>, <see cref="MaxRetrySeconds"/>].</summary>
    public static IResult Refusal(HttpContext context) =>
        Problems.Unavailable(context, "At capacity",
            "This node holds as many /ws and /sse connections as it may. Try again after Retry-After seconds, or on another node.",
            MinRetrySeconds, MaxRetrySeconds);
}
