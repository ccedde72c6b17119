using System.Diagnostics;

namespace PushGateway.LoadGen;

/// <summary>
/// The 100-byte message every contestant broadcasts: <c>@@</c>, a 10-digit sequence number, <c>.</c>,
/// the 19-digit send time (<see cref="Stopwatch"/> ticks, shared by every process on the machine),
/// <c>.</c>, then padding. Plain ASCII, so it travels verbatim inside WebSocket, SSE, JSON and raw
/// TCP framing, and a subscriber finds it by scanning for the marker without parsing the protocol.
/// </summary>
internal static class Payload
{
    public const int Length = 100;
    public const int RecordLength = 32;
    public static ReadOnlySpan<byte> Marker => "@@"u8;

    public static void Write(Span<byte> destination, long sequence, long sentAt)
    {
        destination[..Length].Fill((byte)'x');
        destination[0] = destination[1] = (byte)'@';
        WriteDigits(destination.Slice(2, 10), sequence);
        destination[12] = (byte)'.';
        WriteDigits(destination.Slice(13, 19), sentAt);
        destination[32] = (byte)'.';
    }

    /// <summary>Reads a record that starts with the marker; false if the digits are not digits.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out long sequence, out long sentAt)
    {
        sentAt = 0;
        return TryReadDigits(record.Slice(2, 10), out sequence) && record[12] == (byte)'.' && TryReadDigits(record.Slice(13, 19), out sentAt);
    }

    /// <summary>Microseconds from <paramref name="sentAt"/> to now.</summary>
    public static long MicrosecondsSince(long sentAt) => (long)Stopwatch.GetElapsedTime(sentAt).TotalMicroseconds;

    private static void WriteDigits(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static bool TryReadDigits(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        foreach (var digit in digits)
        {
            var d = digit - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
