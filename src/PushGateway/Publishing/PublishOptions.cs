using System.ComponentModel.DataAnnotations;

namespace PushGateway.Publishing;

/// <summary>The HTTP publish API; bound from <c>PushGateway:Publish</c>.</summary>
internal sealed class PublishOptions
{
    public const string Section = "PushGateway:Publish";

    /// <summary>Largest <c>POST /publish</c> body in bytes; a larger one gets 413. Default 65536.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;
}
