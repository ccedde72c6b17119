using System.Net.WebSockets;
using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// The WebSocket side of a <see cref="PushConnection"/>: messages go out as pre-framed text frames in
/// <paramref name="format"/>, gathered into one write per batch beneath the runtime's <see cref="WebSocket"/>
/// (<see cref="BatchingUpgradeStream"/>), which still handles the handshake, control frames and closing;
/// a close is a close frame; what the client sends is read by a <see cref="WebSocketReceiver"/>.
/// </summary>
/// <param name="socket">The runtime's socket: handshake, control frames, closing.</param>
/// <param name="batching">The stream beneath it, which batches writes; null within an HTTP/2 request.</param>
/// <param name="receiver">Reads what the client sends.</param>
/// <param name="format">The frames messages go out in.</param>
/// <param name="abortConnection">
/// Cuts a handed-off connection off, which aborting the socket does not (within a request, ASP.NET Core's socket does); null within a request.
/// </param>
internal sealed class WebSocketConnection(
    WebSocket socket, BatchingUpgradeStream? batching, WebSocketReceiver receiver, MessageFormat format, Action? abortConnection) : IConnectionTransport
{
    /// <summary>Enough messages per write to amortise the system call, few enough to keep latency and memory low.</summary>
    private const int MaxBatchBytes = 64 * 1024;

    // Without the batching stream (WebSockets over HTTP/2): the batch's frames, whose payloads are sent one by one through the socket.
    private List<ReadOnlyMemory<byte>>? _unframed;
    private int _unframedBytes;
    private bool _batchOpen;

    /// <summary>Nothing: the socket opened with the handshake.</summary>
    public void WriteOpening()
    {
    }

    // Encoded once for every subscriber (by whichever writer came first): a server frame is never masked.
    public bool Append(GatewayMessage message) => AppendFrame(message.EncodedAs(format));

    /// <summary>Adds a complete text frame (see <see cref="WebSocketFrameEncoder"/>) to the batch, as <see cref="Append"/> does.</summary>
    public bool AppendFrame(ReadOnlyMemory<byte> frame)
    {
        if (batching is null)
        {
            (_unframed ??= []).Add(frame);
            _unframedBytes += frame.Length;
            return _unframedBytes < MaxBatchBytes;
        }

        if (!_batchOpen)
        {
            // From here to the flush, control frames the runtime sends (pings) join the batch, whole.
            batching.OpenBatch();
            _batchOpen = true;
        }

        batching.Append(frame.Span);
        return batching.BufferedBytes < MaxBatchBytes;
    }

    /// <summary>Not an async method: the batch's write is the only await, and a write that waits allocates nothing more.</summary>
    public ValueTask FlushAsync()
    {
        if (_batchOpen)
        {
            _batchOpen = false;
            return batching!.CloseBatchAsync(CancellationToken.None);
        }

        return _unframed is { Count: > 0 } ? SendUnframedAsync(_unframed) : ValueTask.CompletedTask;
    }

    public async ValueTask CloseAsync(ConnectionCloseReason reason)
    {
        try
        {
            if (reason.WebSocketStatus == WebSocketCloseStatus.Empty || socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return;
            }

            await socket.CloseOutputAsync(reason.WebSocketStatus, reason.Text, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            // Aborted by the close timeout, or the client vanished mid-handshake.
        }
        finally
        {
            if (batching?.ProtocolViolation is not null)
            {
                // The client broke the protocol: nothing it sends is read any more, so nothing would
                // answer the close. Disposed, not aborted: Kestrel sends the close frame before its FIN.
                socket.Dispose();
            }
        }
    }

    public bool Abort()
    {
        var open = socket.State != WebSocketState.Closed;
        socket.Abort();
        abortConnection?.Invoke();
        return open;
    }

    public string Describe(ConnectionCloseReason reason) =>
        reason.WebSocketStatus == WebSocketCloseStatus.Empty ? reason.Text : $"{(int)reason.WebSocketStatus} {reason.Text}";

    public ConnectionCloseReason WriteFailed(Exception exception) => ConnectionCloseReason.Aborted(exception.Message);

    public Task ReceiveAsync(PushConnection connection) => receiver.ReceiveAsync(connection);

    public void Dispose() => socket.Dispose();

    private async ValueTask SendUnframedAsync(List<ReadOnlyMemory<byte>> frames)
    {
        try
        {
            foreach (var frame in frames)
            {
                await socket.SendAsync(WebSocketFrameEncoder.Payload(frame), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            frames.Clear();
            _unframedBytes = 0;
        }
    }
}
