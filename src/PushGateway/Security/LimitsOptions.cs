using System.ComponentModel.DataAnnotations;

namespace PushGateway.Security;

/// <summary>Abuse controls; bound from <c>PushGateway:Limits</c>.</summary>
public sealed class LimitsOptions
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
}
