using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PushGateway.Hosting;
using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// The SSE side of a <see cref="PushConnection"/>: a preamble (<c>retry:</c>, a gap notice), then
/// <c>text/event-stream</c> frames copied into Kestrel's output pipe, one flush per batch, and a heartbeat
/// comment whenever the stream was silent for a heartbeat interval. A stream has no close frame: it ends
/// (on shutdown after a random <c>retry:</c>); the client's only inbound act is leaving.
/// </summary>
internal sealed class SseConnection : IConnectionTransport
{
    private static readonly ReadOnlyMemory<byte> Heartbeat = SseFrameEncoder.EncodeComment("heartbeat");

    private readonly HttpContext _context;
    private readonly PipeWriter _body;
    private readonly Subscription _subscription;
    private readonly string? _lastEventId;
    private readonly SseTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayDrain _drain;

    // Read once: HttpContext.RequestAborted is a feature lookup on every call.
    private readonly CancellationToken _requestAborted;

    /// <summary>Cancelled when the client leaves or the close timeout passes: ends a write stuck on a client that stopped reading.</summary>
    private readonly CancellationTokenSource _writes;
    private readonly ITimer _heartbeat;
    private CancellationTokenRegistration _clientGone;
    private Memory<byte> _free;
    private int _used;
    private bool _unflushed;
    private long _lastWrite;
    private volatile bool _heartbeatDue;
    private volatile bool _aborted;
    private volatile bool _ended;

    public SseConnection(
        HttpContext context, Subscription subscription, string? lastEventId, SseTransportOptions options, TimeProvider timeProvider, GatewayDrain drain)
    {
        _context = context;
        _body = context.Response.BodyWriter;
        _subscription = subscription;
        _lastEventId = lastEventId;
        _options = options;
        _timeProvider = timeProvider;
        _drain = drain;
        _requestAborted = context.RequestAborted;
        _writes = CancellationTokenSource.CreateLinkedTokenSource(_requestAborted);
        _lastWrite = timeProvider.GetTimestamp();
        _heartbeat = timeProvider.CreateTimer(
            static state => ((SseConnection)state!).CheckSilence(), this, options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
    }

    public void WriteOpening()
    {
        _body.Write(SseFrameEncoder.EncodeRetry(_options.RetryMilliseconds));
        if (_lastEventId is not null && _subscription.ResumeStatus == ResumeStatus.Gap)
        {
            _body.Write(SseFrameEncoder.EncodeEvent(SseEventTypes.Gap, id: null, GapNotice(_lastEventId)));
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
        var frame = message.EncodedAs(SseFrameEncoder.Format).Span;
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
                _body.Write(Heartbeat.Span);
                _unflushed = true;
            }

            _heartbeat.Change(_options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
        }

        if (!_unflushed)
        {
            return ValueTask.CompletedTask;
        }

        _unflushed = false;
        var flushing = _body.FlushAsync(_writes.Token);
        if (!flushing.IsCompletedSuccessfully)
        {
            return FlushedAsync(flushing);
        }

        _ = flushing.Result;
        Volatile.Write(ref _lastWrite, _timeProvider.GetTimestamp());
        return ValueTask.CompletedTask;
    }

    public async ValueTask CloseAsync(ConnectionCloseReason reason)
    {
        try
        {
            if (!_aborted && reason.SpreadsReconnects && !_requestAborted.IsCancellationRequested)
            {
                // A random retry, so that EventSource clients come back spread out over the drain window.
                _body.Write(SseFrameEncoder.EncodeRetry(_drain.NextRetryMilliseconds()));
                await _body.FlushAsync(_writes.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, or the close timeout passed meanwhile.
        }

        _ended = true;
        if (_aborted)
        {
            // Here, on the request's own path: the timer that decided it must not touch a request that may have ended.
            _context.Abort();
        }
    }

    public bool Abort()
    {
        _aborted = true;
        try
        {
            _writes.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stream already ended.
        }

        return !_ended;
    }

    public string Describe(ConnectionCloseReason reason) => reason.Text;

    public ConnectionCloseReason WriteFailed(Exception exception) =>
        _requestAborted.IsCancellationRequested ? ConnectionCloseReason.ClientGone : ConnectionCloseReason.Aborted(exception.Message);

    public Task ReceiveAsync(PushConnection connection)
    {
        _clientGone = _requestAborted.UnsafeRegister(
            static state => ((PushConnection)state!).RequestClose(ConnectionCloseReason.ClientGone), connection);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _clientGone.Dispose();
        _heartbeat.Dispose();
        _writes.Dispose();
    }

    /// <summary>A flush that waits for a slow client; pooled, so that it allocates no state machine per batch.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushedAsync(ValueTask<FlushResult> flushing)
    {
        await flushing.ConfigureAwait(false);
        Volatile.Write(ref _lastWrite, _timeProvider.GetTimestamp());
    }

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
