using System.Text;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// The load generator's 100-byte payload (<c>@@</c>, sequence, send time) with the publish attempt
/// that carried it in bytes 33–34: a subscriber can tell which attempt of a retried message reached it.
/// </summary>
internal static class AbusePayload
{
    private const int AttemptOffset = Payload.RecordLength + 1;

    /// <summary>The payload, padded with <c>x</c> to <paramref name="length"/> bytes when that is more than 100.</summary>
    public static string Create(long sequence, long sentAt, int attempt, int length = Payload.Length)
    {
        var bytes = new byte[Math.Max(length, Payload.Length)];
        bytes.AsSpan().Fill((byte)'x');
        Payload.Write(bytes, sequence, sentAt);
        bytes[AttemptOffset] = (byte)('0' + (attempt / 10 % 10));
        bytes[AttemptOffset + 1] = (byte)('0' + (attempt % 10));
        bytes[AttemptOffset + 2] = (byte)'.';
        return Encoding.ASCII.GetString(bytes);
    }

    public static bool TryRead(ReadOnlySpan<byte> data, out long sequence, out long sentAt, out int attempt)
    {
        attempt = 0;
        var start = data.IndexOf(Payload.Marker);
        sequence = sentAt = 0;
        if (start < 0 || data.Length - start < AttemptOffset + 3 || !Payload.TryRead(data[start..], out sequence, out sentAt))
        {
            return false;
        }

        var tens = data[start + AttemptOffset] - '0';
        var units = data[start + AttemptOffset + 1] - '0';
        attempt = (tens * 10) + units;
        return (uint)tens <= 9 && (uint)units <= 9;
    }

    public static bool TryRead(string data, out long sequence, out long sentAt, out int attempt)
    {
        Span<byte> bytes = stackalloc byte[Math.Min(data.Length, 256)];
        var length = Encoding.ASCII.GetBytes(data.AsSpan(0, bytes.Length), bytes);
        return TryRead(bytes[..length], out sequence, out sentAt, out attempt);
    }
}
