using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using PushGateway.Security;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// The inbound side of a <c>/ws</c> socket: one receive loop that reads what the client sends, caps its
/// size, limits its rate, and hands each text message to the socket's <see cref="IClientMessageHandler"/>
/// (chat, or the sub-protocol). Whatever it
/// finds wrong it reports with <see cref="PushConnection.RequestClose"/>; the connection's writer loop
/// sends the close, so the socket never sees two concurrent sends.
/// </summary>
internal sealed class WebSocketReceiver(
    WebSocket socket,
    BatchingUpgradeStream? batching,
    IClientMessageHandler handler,
    InboundMessageLimiter limiter,
    int maxMessageBytes)
{
    public async Task ReceiveAsync(PushConnection connection)
    {
        batching?.OnProtocolViolation(
            static (state, reason) => ((PushConnection)state).RequestClose(reason),
            connection);

        // Rented when a message starts arriving, returned when it is complete: an idle socket waits
        // with a zero-byte receive and holds no buffer.
        byte[]? buffer = null;
        try
        {
            var count = 0;
            while (true)
            {
                var target = buffer is null ? Memory<byte>.Empty : buffer.AsMemory(count, maxMessageBytes - count);
                var result = await socket.ReceiveAsync(target, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.RequestClose(ConnectionCloseReason.ClosedByClient(socket.CloseStatus));
                    return;
                }

                if (connection.IsClosing)
                {
                    // Closing: discard what arrives until the client's close frame, into a buffer: a
                    // zero-byte receive would hand back the same unread frame, again and again.
                    count = 0;
                    buffer ??= ArrayPool<byte>.Shared.Rent(maxMessageBytes);
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    connection.RequestClose(ConnectionCloseReason.BinaryMessage);
                    continue;
                }

                count += result.Count;
                if (!result.EndOfMessage)
                {
                    if (buffer is null)
                    {
                        buffer = ArrayPool<byte>.Shared.Rent(maxMessageBytes);
                    }
                    else if (count == maxMessageBytes)
                    {
                        connection.RequestClose(ConnectionCloseReason.MessageTooBig(maxMessageBytes));
                        count = 0;
                    }

                    continue;
                }

                // Already valid UTF-8: the runtime's WebSocket checks text messages and closes with 1007 otherwise.
                var text = buffer is null ? string.Empty : Encoding.UTF8.GetString(buffer, 0, count);
                count = 0;
                ReturnBuffer(ref buffer);
                await HandleAsync(connection, text).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            ReturnBuffer(ref buffer);
            await FailAsync(connection, exception).ConfigureAwait(false);
        }
        finally
        {
            ReturnBuffer(ref buffer);
        }
    }

    /// <summary>One complete text message: counted against the socket's rate, then handled.</summary>
    private Task HandleAsync(PushConnection connection, string text)
    {
        if (!limiter.TryAcquire(connection.Subscription.Id))
        {
            connection.RequestClose(ConnectionCloseReason.RateLimited);
            return Task.CompletedTask;
        }

        return handler.HandleAsync(connection, text);
    }

    /// <summary>
    /// The receive side failed. When the runtime's WebSocket failed the connection for a protocol
    /// error it sent its close frame (1007, 1002) and can do nothing more; it is aborted once the
    /// client has answered that frame (or the close timeout passed), so that the abort cannot drop it.
    /// </summary>
    private async Task FailAsync(PushConnection connection, Exception exception)
    {
        if (exception is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted } && batching is not null)
        {
            connection.RequestClose(ConnectionCloseReason.FailedByRuntime(exception.Message));
            await batching.DrainUntilCloseAsync().ConfigureAwait(false);
        }
        else
        {
            // The socket broke or was aborted (a protocol error caught beneath it has given its reason already).
            connection.RequestClose(ConnectionCloseReason.Aborted(exception.Message));
        }
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }
}
