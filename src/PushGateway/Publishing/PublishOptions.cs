using System.ComponentModel.DataAnnotations;

namespace PushGateway.Publishing;

/// <summary>
/// Publishing; bound from <c>PushGateway:Publish</c>. The idempotency settings hold for every way of publishing (HTTP,
/// the WebSocket sub-protocol): the backplane enforces them.
/// </summary>
internal sealed class PublishOptions
{
    public const string Section = "PushGateway:Publish";

    /// <summary>Largest <c>POST /publish</c> body in bytes; a larger one gets 413. Default 65536.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How long a publish's idempotency key is remembered: a retry with the same key within it gets the first answer
    /// and delivers nothing again. Default 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// In-process only: idempotency keys remembered at most (the oldest forgotten first, even within the window), which
    /// bounds the memory they take. Redis keeps every key for the window. Default 100000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxIdempotencyKeys { get; set; } = 100_000;
}
