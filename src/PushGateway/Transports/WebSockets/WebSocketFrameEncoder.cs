using System.Buffers.Binary;
using System.Text;
using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets;

/// <summary>Frames a message as the server sends it (RFC 6455 §5.2): final, text, unmasked; uncompressed unless made by <see cref="EncodeCompressed"/>.</summary>
internal static class WebSocketFrameEncoder
{
    private const byte FinalText = 0x81;

    /// <summary>RSV1 on a message's first frame: its payload is compressed (RFC 7692 §6).</summary>
    private const byte FinalCompressedText = 0xC1;

    /// <summary>
    /// A message's data as one complete text frame, header included. A server frame is never masked, so every
    /// subscriber gets the same bytes.
    /// </summary>
    public static readonly MessageFormat TextFormat = new("ws-text", static message => EncodeText(message.Data));

    /// <summary>The frame, with the text encoded as UTF-8 straight into its payload.</summary>
    public static byte[] EncodeText(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var frame = NewFrame(FinalText, length, out var payload);
        Encoding.UTF8.GetBytes(text, payload);
        return frame;
    }

    /// <summary>A text frame around <paramref name="utf8"/>, which must be valid UTF-8.</summary>
    public static byte[] EncodeUtf8(ReadOnlySpan<byte> utf8) => Frame(FinalText, utf8);

    /// <summary>A text frame with RSV1 set around <paramref name="deflated"/>, a permessage-deflate payload.</summary>
    public static byte[] EncodeCompressed(ReadOnlySpan<byte> deflated) => Frame(FinalCompressedText, deflated);

    /// <summary>The payload of a frame made by <see cref="EncodeText"/>: its UTF-8 text, without a copy.</summary>
    public static ReadOnlyMemory<byte> Payload(ReadOnlyMemory<byte> frame) => frame[(frame.Span[1] switch
    {
        126 => 4,
        127 => 10,
        _ => 2,
    })..];

    private static byte[] Frame(byte first, ReadOnlySpan<byte> payload)
    {
        var frame = NewFrame(first, payload.Length, out var body);
        payload.CopyTo(body);
        return frame;
    }

    /// <summary>A frame's array with its header written, and where its payload of <paramref name="length"/> bytes goes.</summary>
    private static byte[] NewFrame(byte first, int length, out Span<byte> payload)
    {
        var header = HeaderLength(length);
        var frame = new byte[header + length];
        frame[0] = first;
        switch (header)
        {
            case 2:
                frame[1] = (byte)length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
                break;
        }

        payload = frame.AsSpan(header);
        return frame;
    }

    /// <summary>A message's data as UTF-8, the payload of its <see cref="TextFormat"/> frame, without a copy.</summary>
    public static ReadOnlyMemory<byte> PayloadOf(GatewayMessage message) => Payload(message.EncodedAs(TextFormat));

    private static int HeaderLength(int payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };
}
