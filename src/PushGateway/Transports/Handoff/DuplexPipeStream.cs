using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace PushGateway.Transports.Handoff;

/// <summary>
/// A handed-off connection's transport as the stream a WebSocket runs on. A zero-byte read waits for data without
/// taking any (an idle socket holds no buffer); disposing ends a pending read or flush, and leaves closing the
/// connection to its owner (so that what was flushed last, a close frame, still goes out).
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // A client may have sent its first frames with the handshake: they are in the pipe already.
        if (_input.TryRead(out var result))
        {
            if (HasAnswer(result))
            {
                return ValueTask.FromResult(Take(result, buffer));
            }

            _input.AdvanceTo(result.Buffer.End);
        }

        return ReadAwaitedAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var flushed = await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            // Disposed under the write (an abort), or the connection is gone.
            throw new IOException("The connection was closed during a write.");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken).AsTask();

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _input.CancelPendingRead();
            _output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadAwaitedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (HasAnswer(result))
            {
                return Take(result, buffer);
            }

            _input.AdvanceTo(result.Buffer.End);
        }
    }

    private static bool HasAnswer(ReadResult result) => !result.Buffer.IsEmpty || result.IsCompleted || result.IsCanceled;

    /// <summary>Copies what fits; a zero-byte read takes nothing and returns 0, as does the end of the connection.</summary>
    private int Take(ReadResult result, Memory<byte> buffer)
    {
        var data = result.Buffer;
        var count = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        // Only what was taken is consumed and examined: a zero-byte read leaves the data for the next read.
        var taken = data.GetPosition(count);
        _input.AdvanceTo(taken, count == 0 && (result.IsCompleted || result.IsCanceled) ? data.End : taken);
        return count;
    }
}
