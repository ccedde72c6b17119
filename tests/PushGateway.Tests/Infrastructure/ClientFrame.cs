using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PushGateway.Tests.Infrastructure;

/// <summary>Builds client frames byte by byte (RFC 6455 §5.2), including the ones a real client never sends.</summary>
public static class ClientFrame
{
    public const byte Fin = 0x80;
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>
    /// A frame with this first byte (FIN, reserved bits, opcode) and payload, masked unless told
    /// otherwise, its length in the fewest bytes unless <paramref name="lengthBytes"/> (0, 2 or 8)
    /// says how many extended length bytes to use.
    /// </summary>
    public static byte[] Build(byte first, ReadOnlySpan<byte> payload, bool masked = true, int? lengthBytes = null)
    {
        var extended = lengthBytes ?? payload.Length switch { < 126 => 0, <= ushort.MaxValue => 2, _ => 8 };
        var maskLength = masked ? 4 : 0;
        var frame = new byte[2 + extended + maskLength + payload.Length];
        frame[0] = first;
        frame[1] = (byte)((masked ? 0x80 : 0) | extended switch { 0 => payload.Length, 2 => 126, _ => 127 });
        if (extended == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else if (extended == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        var body = frame.AsSpan(2 + extended + maskLength);
        payload.CopyTo(body);
        if (masked)
        {
            var mask = frame.AsSpan(2 + extended, 4);
            RandomNumberGenerator.Fill(mask);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= mask[i % 4];
            }
        }

        return frame;
    }

    /// <summary>A close frame's payload: the code, then the reason's bytes.</summary>
    public static byte[] ClosePayload(ushort code, ReadOnlySpan<byte> reason = default)
    {
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        reason.CopyTo(payload.AsSpan(2));
        return payload;
    }
}
