using System.Buffers;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// An upgraded connection's stream that can gather writes into a batch. While a batch is open,
/// writes (the writer loop's pre-framed messages, and any control frame the runtime's WebSocket
/// sends meanwhile) are appended to one buffer; closing the batch hands them to Kestrel as one
/// write and one flush (one system call) instead of one per message. Frames are appended whole,
/// under one lock, so they never interleave. Idle connections hold no buffer.
/// What the client sends is checked frame by frame on its way up (<see cref="ClientFrameValidator"/>):
/// a bad frame never reaches the runtime's WebSocket. The connection hears of it at once, and the
/// read that would have returned it waits until the stream is disposed: the runtime's WebSocket
/// stays open, so the connection can close it with 1002 and end it without an abort.
/// </summary>
/// <param name="inner">The upgraded connection.</param>
/// <param name="inflateLimit">
/// Null unless permessage-deflate was agreed; then the most bytes a compressed client message may inflate to.
/// </param>
internal sealed class BatchingUpgradeStream(Stream inner, int? inflateLimit = null) : Stream
{
    private const int InitialBatchBytes = 4096;
    private const int DrainBytes = 256;
    private readonly Lock _gate = new();

    /// <summary>
    /// Never disposed: it holds nothing to release (no wait handle is ever asked for), and the socket
    /// may be aborted, which disposes this stream, while a write is still in flight.
    /// </summary>
    private readonly SemaphoreSlim _writing = new(1, 1);
    private ClientFrameValidator _inbound = new(inflateLimit);
    private Action<object, ConnectionCloseReason>? _onViolation;
    private object? _onViolationState;
    private TaskCompletionSource<int>? _parked;
    private byte[]? _batch;
    private int _length;
    private bool _open;
    private volatile bool _disposed;

    /// <summary>Bytes gathered in the open batch.</summary>
    public int BufferedBytes => Volatile.Read(ref _length);

    /// <summary>How the client first broke the protocol, or null.</summary>
    public string? ProtocolViolation => _inbound.Violation;

    /// <summary>
    /// Calls <paramref name="callback"/> with <paramref name="state"/> and the close it calls for when the client first breaks
    /// the protocol (or sends a compressed message that inflates past the limit).
    /// </summary>
    public void OnProtocolViolation(Action<object, ConnectionCloseReason> callback, object state) =>
        (_onViolation, _onViolationState) = (callback, state);

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

    /// <summary>
    /// After the socket failed with a close frame on its way to the client: reads and discards what
    /// the client still sends, until its close frame or the end of the connection (or until the close
    /// timeout aborts it). Tearing the connection down at once could drop the close frame, still in
    /// Kestrel's buffers; a client that answers it has read it.
    /// </summary>
    public async Task DrainUntilCloseAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(DrainBytes);
        try
        {
            while (!_inbound.CloseSeen && !_disposed)
            {
                var read = await inner.ReadAsync(scratch, CancellationToken.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                _inbound.Advance(scratch.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted, or the client vanished: nothing left to wait for.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_inbound.Violation is not null)
        {
            return ParkAsync();
        }

        var pending = inner.ReadAsync(buffer, cancellationToken);
        if (buffer.IsEmpty)
        {
            // A zero-byte read (an idle socket waiting for data) returns no bytes to check: no state machine for it.
            return pending;
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return CheckAsync(pending, buffer);
        }

        var read = pending.Result;
        var clean = Check(buffer.Span, read);
        return clean == 0 && read > 0 ? ParkAsync() : ValueTask.FromResult(clean);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Not supported: the runtime's WebSocket reads asynchronously, and Kestrel allows no synchronous I/O.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
            _inbound.Release();
            lock (_gate)
            {
                _parked?.TrySetResult(0);
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

    private async ValueTask<int> CheckAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        var clean = Check(buffer.Span, read);
        return clean == 0 && read > 0 ? await ParkAsync().ConfigureAwait(false) : clean;
    }

    /// <summary>Follows what the client sent; returns how much of it comes before a bad frame, and tells of the first one.</summary>
    private int Check(ReadOnlySpan<byte> buffer, int read)
    {
        var before = _inbound.Violation;
        var clean = _inbound.Advance(buffer[..read]);
        if (before is null && _inbound.Violation is { } violation)
        {
            _onViolation?.Invoke(
                _onViolationState!,
                _inbound.InflatedTooBig ? ConnectionCloseReason.MessageTooBig(inflateLimit!.Value) : ConnectionCloseReason.ProtocolError(violation));
        }

        return clean;
    }

    /// <summary>A read after a bad frame: ends (as the end of the stream) only when the stream is disposed.</summary>
    private ValueTask<int> ParkAsync()
    {
        lock (_gate)
        {
            _parked ??= new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_disposed)
            {
                _parked.TrySetResult(0);
            }

            return new ValueTask<int>(_parked.Task);
        }
    }
}
