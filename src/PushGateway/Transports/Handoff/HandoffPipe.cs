using System.IO.Pipelines;

namespace PushGateway.Transports.Handoff;

/// <summary>
/// The connection's transport as Kestrel's HTTP layer sees it: passed through until <see cref="Detach"/>, then a
/// connection that has ended. From then on what the HTTP layer writes (the end of a response it no longer owns) is
/// dropped (as if written: a flush that said the client had gone would make it reset the connection), its next read
/// finds the end of the input, and completing either side leaves the transport open for the connection's new owner.
/// </summary>
internal sealed class HandoffPipe(IDuplexPipe transport) : IDuplexPipe
{
    private readonly Reader _input = new(transport.Input);
    private readonly Writer _output = new(transport.Output);

    public PipeReader Input => _input;

    public PipeWriter Output => _output;

    /// <summary>Called on the request's path, between the HTTP layer's reads and writes, never during one.</summary>
    public void Detach()
    {
        _input.Detached = true;
        _output.Detached = true;
    }

    private sealed class Reader(PipeReader inner) : PipeReader
    {
        private static readonly ReadResult Ended = new(default, isCanceled: false, isCompleted: true);

        public bool Detached { get; set; }

        public override bool TryRead(out ReadResult result)
        {
            if (Detached)
            {
                result = Ended;
                return true;
            }

            return inner.TryRead(out result);
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            Detached ? ValueTask.FromResult(Ended) : inner.ReadAsync(cancellationToken);

        public override void AdvanceTo(SequencePosition consumed)
        {
            if (!Detached)
            {
                inner.AdvanceTo(consumed);
            }
        }

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (!Detached)
            {
                inner.AdvanceTo(consumed, examined);
            }
        }

        public override void CancelPendingRead()
        {
            if (!Detached)
            {
                inner.CancelPendingRead();
            }
        }

        public override void Complete(Exception? exception = null)
        {
            if (!Detached)
            {
                inner.Complete(exception);
            }
        }
    }

    private sealed class Writer(PipeWriter inner) : PipeWriter
    {
        // What the HTTP layer writes after the handoff goes nowhere: the same scratch serves every connection.
        private static readonly byte[] Scratch = new byte[16 * 1024];

        public bool Detached { get; set; }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => Detached ? 0 : inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) =>
            Detached ? ScratchFor(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) =>
            Detached ? ScratchFor(sizeHint).Span : inner.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (!Detached)
            {
                inner.Advance(bytes);
            }
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            Detached ? default : inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            Detached ? default : inner.WriteAsync(source, cancellationToken);

        public override void CancelPendingFlush()
        {
            if (!Detached)
            {
                inner.CancelPendingFlush();
            }
        }

        public override void Complete(Exception? exception = null)
        {
            if (!Detached)
            {
                inner.Complete(exception);
            }
        }

        private static Memory<byte> ScratchFor(int sizeHint) => sizeHint <= Scratch.Length ? Scratch : new byte[sizeHint];
    }
}
