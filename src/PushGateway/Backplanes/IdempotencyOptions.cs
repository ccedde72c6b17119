using System.ComponentModel.DataAnnotations;

namespace PushGateway.Backplanes;

/// <summary>
/// Idempotent publish; bound from <c>PushGateway:Publish</c> beside the HTTP publish API's own options, since every
/// way of publishing (HTTP, the WebSocket sub-protocol) shares it and the backplane enforces it.
/// </summary>
internal sealed class IdempotencyOptions
{
    public const string Section = "PushGateway:Publish";

    /// <summary>
    /// How long a publish's idempotency key is remembered: a retry with the same key within it gets the first answer
    /// and delivers nothing again. Default 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// In-process only: keys remembered at most (the oldest forgotten first, even within the window), which bounds the
    /// memory they take (a key and its request's fingerprint: under 1 KB). Redis keeps every key for the window. Default 100000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxIdempotencyKeys { get; set; } = 100_000;
}
