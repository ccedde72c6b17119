using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>
/// What a publish delivers, and a hash of it: how a backplane tells a retry of a publish (same fingerprint) from
/// another request under the same idempotency key or publisher's id.
/// </summary>
internal static class PublishFingerprint
{
    /// <summary>Topics (LF-separated: names have no LF), event, data, publisher's event id (empty when none), retry (empty when none).</summary>
    public static string[] Fields(MessageDraft draft) =>
    [
        string.Join('\n', draft.Topics),
        draft.EventType,
        draft.Data,
        draft.EventId ?? string.Empty,
        draft.RetryMilliseconds?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
    ];

    /// <summary>SHA-256 (lower-case hex) of <see cref="Fields"/> in UTF-8, each length-prefixed.</summary>
    public static string Of(MessageDraft draft)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[sizeof(int)];
        foreach (var field in Fields(draft))
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
