using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>The Redis backplane; bound from <c>PushGateway:Redis</c>. Without a configuration the gateway stays in-process.</summary>
internal sealed class RedisOptions : IValidatableObject
{
    public const string Section = "PushGateway:Redis";

    /// <summary>A StackExchange.Redis connection string (<c>localhost:6379,password=…</c>). Default none: in-process.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so that several gateways can share a Redis. Default <c>pushgateway:</c>.</summary>
    public string KeyPrefix { get; set; } = "pushgateway:";

    /// <summary>Messages kept per topic for resume (the topic's stream is trimmed to about this). Default 1000.</summary>
    [Range(1, 10_000_000)]
    public int HistoryPerTopic { get; set; } = 1000;

    /// <summary>Length of the stream that carries every message to every node (a node further behind loses messages). Default 100000.</summary>
    [Range(100, 100_000_000)]
    public int DeliveryStreamLength { get; set; } = 100_000;

    /// <summary>
    /// How long a publish that carries its own <c>id</c> is remembered: made again within this window
    /// (same id, topics, event, data and retry), it is answered with the original's id and not delivered
    /// again, so that a publisher may retry one whose outcome was unknown. Default 5 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each node reports its subscriber counts for cluster-wide presence. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>A configuration that does not parse, or names no server, stops the start rather than a node that never connects.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        const string Expected = "expected a StackExchange.Redis connection string such as host:6379,password=…,user=…";
        string? error;
        try
        {
            error = ConfigurationOptions.Parse(Configuration!).EndPoints.Count == 0 ? "it names no host:port" : null;
        }
        catch (ArgumentException exception)
        {
            error = exception.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult($"{Section}:Configuration is not valid ({error}); {Expected}.", [nameof(Configuration)]);
        }
    }
}
