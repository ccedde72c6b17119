using System.Buffers;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// An upgraded connection's stream that can gather writes into a batch. While a batch is open,
/// writes (the writer loop's pre-framed messages, and any control frame the runtime's WebSocket
/// sends meanwhile) are appended to one buffer; closing the batch hands them to Kestrel as one
/// write and one flush (one system call) instead of one per message. Frames are appended whole,
/// under one lock, so they never interleave. Idle connections hold no buffer.
/// </summary>
internal sealed class BatchingUpgradeStream(Stream inner) : Stream
{
    private const int InitialBatchBytes = 4096;
    private readonly Lock _gate = new();

    /// <summary>
    /// Never disposed: it holds nothing to release (no wait handle is ever asked for), and the socket
    /// may be aborted, which disposes this stream, while a write is still in flight.
    /// </summary>
    private readonly SemaphoreSlim _writing = new(1, 1);
    private byte[]? _batch;
    private int _length;
    private bool _open;
    private volatile bool _disposed;

    /// <summary>Bytes gathered in the open batch.</summary>
    public int BufferedBytes => Volatile.Read(ref _length);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void OpenBatch()
    {
        lock (_gate)
        {
            _open = true;
        }
    }

    /// <summary>Appends a complete frame to the open batch.</summary>
    public void Append(ReadOnlySpan<byte> frame)
    {
        lock (_gate)
        {
            if (!_open)
            {
                throw new InvalidOperationException("No batch is open.");
            }

            AppendLocked(frame);
        }
    }

    /// <summary>Writes the batch to the connection in one go; later writes go straight through again.</summary>
    public async ValueTask CloseBatchAsync(CancellationToken cancellationToken)
    {
        byte[]? batch;
        int length;
        lock (_gate)
        {
            _open = false;
            (batch, length, _batch, _length) = (_batch, _length, null, 0);
        }

        if (batch is null)
        {
            return;
        }

        try
        {
            await WriteThroughAsync(batch.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_open)
            {
                AppendLocked(buffer.Span);
                return ValueTask.CompletedTask;
            }
        }

        return WriteThroughAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            inner.Dispose();
            lock (_gate)
            {
                if (_batch is not null)
                {
                    ArrayPool<byte>.Shared.Return(_batch);
                    (_batch, _length) = (null, 0);
                }
            }
        }

        base.Dispose(disposing);
    }

    private void AppendLocked(ReadOnlySpan<byte> bytes)
    {
        if (_batch is null || _batch.Length - _length < bytes.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(InitialBatchBytes, Math.Max(_length + bytes.Length, (_batch?.Length ?? 0) * 2)));
            if (_batch is not null)
            {
                _batch.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_batch);
            }

            _batch = grown;
        }

        bytes.CopyTo(_batch.AsSpan(_length));
        Volatile.Write(ref _length, _length + bytes.Length);
    }

    /// <summary>One write at a time reaches Kestrel: a batch and a control frame sent meanwhile may both be in flight.</summary>
    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A write that was in flight when the socket was aborted may finish; one that comes after may not start.
            ObjectDisposedException.ThrowIf(_disposed, this);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }
}
