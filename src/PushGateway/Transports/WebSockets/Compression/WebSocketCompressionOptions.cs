using System.ComponentModel.DataAnnotations;
using System.IO.Compression;

namespace PushGateway.Transports.WebSockets.Compression;

/// <summary>permessage-deflate (RFC 7692) on <c>/ws</c>; bound from <c>PushGateway:WebSockets:Compression</c>.</summary>
internal sealed class WebSocketCompressionOptions
{
    public const string Section = "PushGateway:WebSockets:Compression";

    /// <summary>
    /// Accept a client's permessage-deflate offer (answered with <c>server_no_context_takeover; client_no_context_takeover</c>,
    /// so that one compressed frame serves every subscriber). Default false: no extension is negotiated.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Messages whose payload is shorter than this many bytes go out uncompressed even on a compressing connection:
    /// deflate cannot shrink them enough to pay for itself. Default 256.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MinimumSize { get; set; } = 256;

    /// <summary>
    /// The zlib effort. Default <see cref="CompressionLevel.Optimal"/>: each message is compressed once for all of its
    /// subscribers, so a smaller frame is worth more than the CPU of compressing it.
    /// </summary>
    [EnumDataType(typeof(CompressionLevel))]
    public CompressionLevel Level { get; set; } = CompressionLevel.Optimal;
}
