using System.ComponentModel.DataAnnotations;

namespace PushGateway.Security;

/// <summary>Abuse controls; bound from <c>PushGateway:Limits</c>.</summary>
internal sealed class LimitsOptions
{
    public const string Section = "PushGateway:Limits";

    /// <summary>Open <c>/ws</c> and <c>/sse</c> connections one client address may hold; more get 429. Default 100.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 100;

    /// <summary>Messages a WebSocket may send per <see cref="MessageRatePeriod"/> (a token bucket). Default 20.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerPeriod { get; set; } = 20;

    /// <summary>The refill period of the WebSocket message bucket. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MessageRatePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many messages a WebSocket may send at once (the bucket's size); beyond, close 1008. Default 40.</summary>
    [Range(1, 1_000_000)]
    public int MessageBurst { get; set; } = 40;

    /// <summary>Publishes one client (token subject, else address) may make per <see cref="PublishRatePeriod"/>. Default 100.</summary>
    [Range(1, 1_000_000)]
    public int PublishesPerPeriod { get; set; } = 100;

    /// <summary>The refill period of the publish bucket. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan PublishRatePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many publishes one client may make at once; beyond, 429 with Retry-After. Default 200.</summary>
    [Range(1, 1_000_000)]
    public int PublishBurst { get; set; } = 200;

    /// <summary>
    /// TCP connections one client address may hold open, whatever they carry (or nothing at all); more are
    /// closed as soon as they are accepted. Default 1000; 0 turns the cap off (behind a reverse proxy, where
    /// every connection comes from the proxy's address).
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxSocketsPerAddress { get; set; } = 1000;

    /// <summary>
    /// File descriptors kept back from the open-files limit when Kestrel's connection cap is derived from it
    /// (Redis, log and static files, the runtime's own). Default: the descriptors open at start-up plus 256.
    /// </summary>
    [Range(0, 10_000_000)]
    public int? ReservedFileDescriptors { get; set; }

    /// <summary>
    /// Connections of Kestrel's cap kept for publishers, health probes and other short requests: <c>/ws</c> and
    /// <c>/sse</c> together may hold the rest, and get 503 beyond it. Default: 5 % of the cap, at least 16.
    /// </summary>
    [Range(0, 10_000_000)]
    public int? ReservedConnections { get; set; }
}
