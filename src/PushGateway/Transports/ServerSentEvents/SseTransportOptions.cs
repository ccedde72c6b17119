using System.ComponentModel.DataAnnotations;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>The <c>/sse</c> endpoint; bound from <c>PushGateway:Sse</c>.</summary>
internal sealed class SseTransportOptions
{
    public const string Section = "PushGateway:Sse";

    /// <summary>The reconnection delay advertised to clients in the <c>retry:</c> field, in milliseconds. Default 3000.</summary>
    [Range(0, 86_400_000)]
    public int RetryMilliseconds { get; set; } = 3000;

    /// <summary>How long a stream may stay silent before a heartbeat comment is sent. Default 15 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a stream that must end (slow client, shutdown) may take to finish its pending write
    /// before the connection is aborted. Default 5 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Origins allowed to read the stream cross-origin (CORS, without credentials). Empty (the default)
    /// allows any origin.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}
