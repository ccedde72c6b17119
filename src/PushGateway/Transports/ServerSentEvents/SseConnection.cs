using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PushGateway.Hosting;
using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// The SSE side of a <see cref="PushConnection"/>: a preamble (<c>retry:</c>, a gap notice), then
/// <c>text/event-stream</c> frames copied into the output pipe (the response's, or a handed-off connection's, in
/// chunks of its own), one flush per batch, and a heartbeat comment whenever the stream was silent for a heartbeat
/// interval. A stream has no close frame: it ends (on shutdown after a random <c>retry:</c>); the client's only
/// inbound act is leaving.
/// </summary>
internal sealed class SseConnection : IConnectionTransport
{
    private static readonly byte[] Heartbeat = SseFrameEncoder.EncodeComment("heartbeat");
    private static readonly byte[] ChunkedHeartbeat = SseFrameEncoder.Chunk(Heartbeat);

    private readonly SseOutput _output;
    private readonly PipeWriter _body;
    private readonly MessageFormat _format;
    private readonly Subscription _subscription;
    private readonly string? _lastEventId;
    private readonly SseTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayDrain _drain;

    private readonly CancellationToken _clientGone;
    private readonly ITimer _heartbeat;
    private CancellationTokenRegistration _onClientGone;
    private Memory<byte> _free;
    private int _used;
    private bool _unflushed;
    private long _lastWrite;
    private volatile bool _heartbeatDue;
    private volatile bool _aborted;
    private volatile bool _ended;

    public SseConnection(
        SseOutput output, Subscription subscription, string? lastEventId, SseTransportOptions options, TimeProvider timeProvider, GatewayDrain drain)
    {
        _output = output;
        _body = output.Body;
        _format = output.Chunked ? SseFrameEncoder.ChunkedFormat : SseFrameEncoder.Format;
        _subscription = subscription;
        _lastEventId = lastEventId;
        _options = options;
        _timeProvider = timeProvider;
        _drain = drain;
        _clientGone = output.ClientGone;
        _lastWrite = timeProvider.GetTimestamp();
        _heartbeat = timeProvider.CreateTimer(
            static state => ((SseConnection)state!).CheckSilence(), this, options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
    }

    public void WriteOpening()
    {
        WriteFrame(SseFrameEncoder.EncodeRetry(_options.RetryMilliseconds));
        if (_lastEventId is not null && _subscription.ResumeStatus == ResumeStatus.Gap)
        {
            WriteFrame(SseFrameEncoder.EncodeEvent(SseEventTypes.Gap, id: null, GapNotice(_lastEventId)));
        }

        _unflushed = true;
    }

    /// <summary>
    /// Copies the frame into the response, many frames per <c>GetMemory</c>/<c>Advance</c> pair: Kestrel
    /// takes a lock and updates its chunk for each pair, so one pair per frame would cost more than the copying.
    /// </summary>
    /// <returns>Always true: no bound but the inbox's, every queued frame goes into the one flush.</returns>
    public bool Append(GatewayMessage message)
    {
        var frame = message.EncodedAs(_format).Span;
        _unflushed = true;
        if (frame.Length > _free.Length - _used)
        {
            Advance();
            _free = _body.GetMemory();
            if (frame.Length > _free.Length)
            {
                // Larger than what is left of Kestrel's buffer: let the pipe split it.
                _body.Write(frame);
                _free = Memory<byte>.Empty;
                return true;
            }
        }

        frame.CopyTo(_free.Span[_used..]);
        _used += frame.Length;
        return true;
    }

    public ValueTask FlushAsync()
    {
        Advance();
        _free = Memory<byte>.Empty;
        if (_heartbeatDue)
        {
            _heartbeatDue = false;
            if (!_unflushed)
            {
                _body.Write(_output.Chunked ? ChunkedHeartbeat : Heartbeat);
                _unflushed = true;
            }

            _heartbeat.Change(_options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
        }

        if (!_unflushed)
        {
            return ValueTask.CompletedTask;
        }

        _unflushed = false;
        var flushing = _body.FlushAsync();
        if (!flushing.IsCompletedSuccessfully)
        {
            return FlushedAsync(flushing);
        }

        ThrowIfCut(flushing.Result);
        Volatile.Write(ref _lastWrite, _timeProvider.GetTimestamp());
        return ValueTask.CompletedTask;
    }

    public async ValueTask CloseAsync(ConnectionCloseReason reason)
    {
        try
        {
            if (!_aborted && !_clientGone.IsCancellationRequested && (reason.SpreadsReconnects || _output.Chunked))
            {
                if (reason.SpreadsReconnects)
                {
                    // A random retry, so that EventSource clients come back spread out over the drain window.
                    WriteFrame(SseFrameEncoder.EncodeRetry(_drain.NextRetryMilliseconds()));
                }

                if (_output.Chunked)
                {
                    // The end of the response, which the HTTP layer would have written.
                    _body.Write(SseFrameEncoder.LastChunk);
                }

                await _body.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, or the close timeout passed meanwhile.
        }

        _ended = true;
        if (_aborted)
        {
            // Here, on the connection's own path: the timer that decided it must not touch a request that may have ended.
            _output.Abort();
        }
    }

    public bool Abort()
    {
        _aborted = true;
        try
        {
            // Ends a flush stuck on a client that stopped reading (a pipe's own cancellation: no token per stream).
            _body.CancelPendingFlush();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or InvalidOperationException)
        {
            // The stream already ended.
        }

        return !_ended;
    }

    public string Describe(ConnectionCloseReason reason) => reason.Text;

    public ConnectionCloseReason WriteFailed(Exception exception) =>
        _clientGone.IsCancellationRequested ? ConnectionCloseReason.ClientGone : ConnectionCloseReason.Aborted(exception.Message);

    public Task ReceiveAsync(PushConnection connection)
    {
        _onClientGone = _clientGone.UnsafeRegister(
            static state => ((PushConnection)state!).RequestClose(ConnectionCloseReason.ClientGone), connection);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _onClientGone.Dispose();
        _heartbeat.Dispose();
    }

    /// <summary>A flush that waits for a slow client; pooled, so that it allocates no state machine per batch.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushedAsync(ValueTask<FlushResult> flushing)
    {
        ThrowIfCut(await flushing.ConfigureAwait(false));
        Volatile.Write(ref _lastWrite, _timeProvider.GetTimestamp());
    }

    /// <summary>A flush cancelled by <see cref="Abort"/>, or one whose client has gone, ends the writer loop.</summary>
    private static void ThrowIfCut(FlushResult flushed)
    {
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            throw new OperationCanceledException("The stream was cut off: aborted, or its client left.");
        }
    }

    /// <summary>A frame outside the messages (the preamble, a retry): in a chunk of its own when the connection frames chunks.</summary>
    private void WriteFrame(byte[] frame) => _body.Write(_output.Chunked ? SseFrameEncoder.Chunk(frame) : frame);

    private void Advance()
    {
        if (_used > 0)
        {
            _body.Advance(_used);
            _used = 0;
        }
    }

    /// <summary>
    /// The heartbeat timer: due when nothing was written for a whole interval, otherwise re-armed for the
    /// rest of it, so a busy stream costs a timestamp per flush rather than a timer change.
    /// </summary>
    private void CheckSilence()
    {
        var silentFor = _timeProvider.GetElapsedTime(Volatile.Read(ref _lastWrite));
        if (silentFor >= _options.HeartbeatInterval)
        {
            _heartbeatDue = true;
            _subscription.Messages.Wake();
        }
        else
        {
            _heartbeat.Change(_options.HeartbeatInterval - silentFor, Timeout.InfiniteTimeSpan);
        }
    }

    private static string GapNotice(string lastEventId) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["lastEventId"] = lastEventId }, SseJsonContext.Default.DictionaryStringString);
}
