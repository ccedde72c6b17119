using System.Buffers.Binary;

namespace PushGateway.Transports.WebSockets;

/// <summary>Frames a message as the server sends it (RFC 6455 §5.2): final, text, unmasked, uncompressed.</summary>
public static class WebSocketFrameEncoder
{
    private const byte FinalText = 0x81;

    public static byte[] EncodeText(ReadOnlySpan<byte> utf8)
    {
        var header = utf8.Length switch
        {
            < 126 => 2,
            <= ushort.MaxValue => 4,
            _ => 10,
        };
        var frame = new byte[header + utf8.Length];
        frame[0] = FinalText;
        switch (header)
        {
            case 2:
                frame[1] = (byte)utf8.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)utf8.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)utf8.Length);
                break;
        }

        utf8.CopyTo(frame.AsSpan(header));
        return frame;
    }
}
