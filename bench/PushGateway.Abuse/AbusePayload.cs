using System.Text;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// The load generator's 100-byte payload (<c>@@</c>, sequence, scheduled send time), padded to the
/// size a scenario asks for. The same bytes on every attempt of a message: a retry must be the same
/// publish (same id and content) for the gateway to recognise it and not deliver it again.
/// </summary>
internal static class AbusePayload
{
    /// <summary>The payload, padded with <c>x</c> to <paramref name="length"/> bytes when that is more than 100.</summary>
    public static string Create(long sequence, long sentAt, int length = Payload.Length)
    {
        var bytes = new byte[Math.Max(length, Payload.Length)];
        bytes.AsSpan().Fill((byte)'x');
        Payload.Write(bytes, sequence, sentAt);
        return Encoding.ASCII.GetString(bytes);
    }

    public static bool TryRead(ReadOnlySpan<byte> data, out long sequence, out long sentAt)
    {
        var start = data.IndexOf(Payload.Marker);
        sequence = sentAt = 0;
        return start >= 0 && data.Length - start >= Payload.RecordLength && Payload.TryRead(data[start..], out sequence, out sentAt);
    }

    public static bool TryRead(string data, out long sequence, out long sentAt)
    {
        Span<byte> bytes = stackalloc byte[Math.Min(data.Length, 256)];
        var length = Encoding.ASCII.GetBytes(data.AsSpan(0, bytes.Length), bytes);
        return TryRead(bytes[..length], out sequence, out sentAt);
    }
}
