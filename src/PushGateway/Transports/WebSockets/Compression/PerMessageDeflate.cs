using System.IO.Compression;
using Microsoft.Extensions.Options;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Transports.WebSockets.Protocol;

namespace PushGateway.Transports.WebSockets.Compression;

/// <summary>
/// permessage-deflate (RFC 7692), compressed once per message. Neither side keeps a compression context from one
/// message to the next, so a message's compressed frame is the same for every socket: it is one more
/// <see cref="MessageFormat"/> per plain one, made on first use by a compressing socket's writer and copied to every
/// other. The runtime's WebSocket inflates what the client sends and writes control frames; the gateway's own frames
/// bypass it, pre-framed with RSV1 set.
/// </summary>
internal sealed class PerMessageDeflate
{
    /// <summary>
    /// The answer to an offer the gateway takes: neither side keeps a context between messages (so one compressed
    /// frame serves every socket, and an idle socket holds no inflate state). The server may add
    /// <c>client_no_context_takeover</c> to its answer even when the client did not offer it (RFC 7692, section 7.1.1.2).
    /// </summary>
    public const string Agreed = PerMessageDeflateOffer.Extension + "; client_no_context_takeover; server_no_context_takeover";

    /// <summary>The empty stored block a sync flush ends with, which RFC 7692 §7.2.1 leaves off the wire.</summary>
    private static ReadOnlySpan<byte> FlushTail => [0x00, 0x00, 0xFF, 0xFF];

    private readonly WebSocketCompressionOptions _options;
    private readonly GatewayMetrics _metrics;

    public PerMessageDeflate(IOptions<WebSocketCompressionOptions> options, GatewayMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        Chat = Over(WebSocketFrameEncoder.TextFormat);
        Protocol = Over(Envelopes.Message);
    }

    /// <summary>Chat messages, compressed.</summary>
    public MessageFormat Chat { get; }

    /// <summary>Sub-protocol <c>message</c> envelopes, compressed.</summary>
    public MessageFormat Protocol { get; }

    /// <summary>
    /// Whether a socket will compress: compression is on, and the client made an offer the gateway can honour. Only
    /// sockets handed off by the HTTP layer compress (<see cref="WebSocketOpening"/>): an HTTP/2 WebSocket has no
    /// stream beneath the runtime's socket to write pre-framed bytes through.
    /// </summary>
    public bool Accepts(HttpContext context) =>
        _options.Enabled && PerMessageDeflateOffer.HasAcceptable(context.Request.Headers.SecWebSocketExtensions);

    private MessageFormat Over(MessageFormat plain)
    {
        var name = $"{plain.Name}+deflate";
        return new(name, message => Compress(name, message.EncodedAs(plain)));
    }

    /// <summary>The plain frame's payload deflated and framed with RSV1; below the threshold, the plain frame itself.</summary>
    private ReadOnlyMemory<byte> Compress(string format, ReadOnlyMemory<byte> frame)
    {
        var payload = WebSocketFrameEncoder.Payload(frame);
        if (payload.Length < Math.Max(1, _options.MinimumSize))
        {
            return frame;
        }

        using var output = new MemoryStream(payload.Length / 2 + 64);
        int length;
        using (var deflate = new DeflateStream(output, _options.Level, leaveOpen: true))
        {
            deflate.Write(payload.Span);
            // A sync flush: the data so far in whole blocks, then the empty stored block (what disposing adds after is not sent).
            deflate.Flush();
            length = (int)output.Length - FlushTail.Length;
        }

        var deflated = output.GetBuffer().AsSpan(0, length);
        _metrics.MessageCompressed(format, payload.Length, deflated.Length);
        return WebSocketFrameEncoder.EncodeCompressed(deflated);
    }
}
