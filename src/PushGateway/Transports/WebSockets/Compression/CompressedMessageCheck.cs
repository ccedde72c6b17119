using System.IO.Compression;

namespace PushGateway.Transports.WebSockets.Compression;

/// <summary>
/// Inflates one compressed client message as its masked payload passes on its way up, only to learn whether it is
/// valid deflate data and no larger than the gateway takes; the output is thrown away. The runtime's WebSocket, which inflates the message for real, aborts
/// the connection without a close frame on bad data: checked here first, a bad message is a protocol violation like a
/// bad header (<see cref="ClientFrameValidator"/>), which reaches the client as a close with a reason. A message that
/// inflates past the limit is stopped here too, before the runtime inflates the rest of it (a few KiB of deflate data
/// can stand for megabytes). Made when a compressed message starts, disposed when it ends: an idle socket holds no inflater.
/// </summary>
internal sealed class CompressedMessageCheck : IDisposable
{
    private const int ChunkBytes = 4096;

    /// <summary>The inflater's input: the bytes of the last chunk, which it reads to the end; then refilled.</summary>
    private readonly MemoryStream _feed = new(ChunkBytes);
    private readonly byte[] _sink = new byte[ChunkBytes];
    private readonly DeflateStream _inflater;
    private readonly int _limit;
    private long _inflated;

    /// <param name="limit">The most bytes a message may inflate to (<c>MaxMessageBytes</c>).</param>
    public CompressedMessageCheck(int limit)
    {
        _limit = limit;
        _inflater = new DeflateStream(_feed, CompressionMode.Decompress);
    }

    /// <summary>
    /// Inflates the next payload bytes of the message, unmasked with <paramref name="mask"/> (its 4 bytes big-endian),
    /// the first of them with its byte at <paramref name="maskOffset"/> (mod 4).
    /// </summary>
    /// <returns>False once the data is not valid deflate data, or inflates past the limit (<see cref="TooBig"/>).</returns>
    public bool TryAdd(ReadOnlySpan<byte> masked, uint mask, int maskOffset)
    {
        while (!masked.IsEmpty)
        {
            var chunk = masked[..Math.Min(ChunkBytes, masked.Length)];
            var plain = Refill(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                plain[i] = (byte)(chunk[i] ^ (mask >> (8 * (3 - ((maskOffset + i) & 3)))));
            }

            maskOffset += chunk.Length;
            masked = masked[chunk.Length..];
            if (!TryInflate())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The message's end: the sync flush's tail its sender left off (RFC 7692 §7.2.2), then its last data.</summary>
    public bool TryEnd()
    {
        ReadOnlySpan<byte> tail = [0x00, 0x00, 0xFF, 0xFF];
        tail.CopyTo(Refill(tail.Length));
        return TryInflate();
    }

    /// <summary>The message inflates to more than the limit.</summary>
    public bool TooBig => _inflated > _limit;

    public void Dispose() => _inflater.Dispose();

    /// <summary>The feed, emptied and made <paramref name="length"/> bytes long, to be written, then read from its start.</summary>
    private Span<byte> Refill(int length)
    {
        _feed.SetLength(length);
        _feed.Position = 0;
        return _feed.GetBuffer().AsSpan(0, length);
    }

    private bool TryInflate()
    {
        try
        {
            int read;
            while (!TooBig && (read = _inflater.Read(_sink)) > 0)
            {
                _inflated += read;
            }

            return !TooBig;
        }
        catch (Exception exception) when (exception is InvalidDataException or ObjectDisposedException)
        {
            // Not deflate data; or the connection was torn down meanwhile, which makes no difference.
            return false;
        }
    }
}
