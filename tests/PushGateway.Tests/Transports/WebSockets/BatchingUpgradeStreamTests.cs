using PushGateway.Transports.WebSockets;

namespace PushGateway.Tests.Transports.WebSockets;

public sealed class BatchingUpgradeStreamTests
{
    private readonly CancellationToken _cancellation = TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenBatch_GathersFramesAndWrites_UntilClosed_ThenWritesThemOnceInOrder()
    {
        var inner = new RecordingStream();
        await using var stream = new BatchingUpgradeStream(inner);

        stream.OpenBatch();
        stream.Append([1, 2]);
        await stream.WriteAsync(new byte[] { 3 }, _cancellation); // e.g. a pong the runtime sends meanwhile
        stream.Append([4]);
        Assert.Empty(inner.Writes);
        Assert.Equal(4, stream.BufferedBytes);

        await stream.CloseBatchAsync(_cancellation);

        Assert.Equal([1, 2, 3, 4], Assert.Single(inner.Writes));
        Assert.Equal(0, stream.BufferedBytes);
    }

    [Fact]
    public async Task WritesOutsideABatch_GoStraightThrough()
    {
        var inner = new RecordingStream();
        await using var stream = new BatchingUpgradeStream(inner);

        await stream.WriteAsync(new byte[] { 7 }, _cancellation);
        stream.OpenBatch();
        await stream.CloseBatchAsync(_cancellation);

        Assert.Equal([7], Assert.Single(inner.Writes));
    }

    [Fact]
    public async Task ABatchLargerThanTheFirstBuffer_KeepsEveryByte()
    {
        var inner = new RecordingStream();
        await using var stream = new BatchingUpgradeStream(inner);
        var frame = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

        stream.OpenBatch();
        for (var i = 0; i < 20; i++)
        {
            stream.Append(frame);
        }

        await stream.CloseBatchAsync(_cancellation);

        Assert.Equal(Enumerable.Repeat(frame, 20).SelectMany(bytes => bytes), Assert.Single(inner.Writes));
    }

    [Fact]
    public async Task Append_WithoutAnOpenBatch_Throws()
    {
        await using var stream = new BatchingUpgradeStream(new RecordingStream());

        Assert.Throws<InvalidOperationException>(() => stream.Append([1]));
    }

    [Fact]
    public async Task Dispose_WhileAWriteIsInFlight_LetsItFinishAndRefusesTheNext()
    {
        var inner = new StalledStream();
        var stream = new BatchingUpgradeStream(inner);
        var inFlight = stream.WriteAsync(new byte[] { 1 }, _cancellation);
        Assert.False(inFlight.IsCompleted);

        // What an abort does: the runtime's WebSocket disposes its stream, and the write under way ends.
        stream.Dispose();
        inner.FinishWrite();

        await inFlight;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.WriteAsync(new byte[] { 2 }, _cancellation).AsTask());
    }

    /// <summary>A connection whose writes wait until the test lets them finish.</summary>
    private sealed class StalledStream : MemoryStream
    {
        private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void FinishWrite() => _written.SetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(_written.Task);
    }

    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
