using System.Net.WebSockets;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// The sub-protocol side of a <see cref="PushConnection"/>, whose own subscription is the session's (it carries no
/// messages: <see cref="IBroadcastHub.OpenSession"/>). Each time the writer loop flushes (it is woken by any of the
/// session's inboxes, or an answer) this writes the answers owed, then each topic subscription's replay (once) and
/// live messages, in <see cref="Envelopes.Message"/> frames, a batch at a time through the socket's
/// <see cref="WebSocketConnection"/>. On shutdown it writes what was queued, then a <c>reconnect</c> frame, then the close.
/// </summary>
internal sealed class ProtocolConnection(
    WebSocketConnection socket, ProtocolSession session, SubscriberInbox signal, GatewayDrain drain, DeliveryRecorder deliveries) : IConnectionTransport
{
    // Where the next batch starts among the subscriptions: a busy topic that fills a batch does not starve the others.
    private int _start;

    public void WriteOpening() => socket.WriteOpening();

    /// <summary>Never called: the session's own subscription carries no messages.</summary>
    public bool Append(GatewayMessage message) => socket.Append(message);

    public ValueTask FlushAsync()
    {
        if (WriteBatch())
        {
            // The batch is full and more is waiting: the writer loop comes back at once.
            signal.Wake();
        }

        return socket.FlushAsync();
    }

    public async ValueTask CloseAsync(ConnectionCloseReason reason)
    {
        if (reason.SpreadsReconnects)
        {
            try
            {
                // A shutdown: what reached the subscriptions before the close goes out first, then the advice.
                while (WriteBatch())
                {
                    await socket.FlushAsync().ConfigureAwait(false);
                }

                socket.AppendFrame(Envelopes.Reconnect(drain.NextRetryMilliseconds(), reason.Text));
                await socket.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client left, or the close timeout aborted the socket: the close below has nothing to say either.
            }
        }

        await socket.CloseAsync(reason).ConfigureAwait(false);
    }

    public bool Abort() => socket.Abort();

    public string Describe(ConnectionCloseReason reason) => socket.Describe(reason);

    public ConnectionCloseReason WriteFailed(Exception exception) => socket.WriteFailed(exception);

    public Task ReceiveAsync(PushConnection connection) => socket.ReceiveAsync(connection);

    public void Dispose()
    {
        session.Dispose();
        socket.Dispose();
    }

    /// <summary>Adds the answers owed, then the subscriptions' messages, to the batch; true when it filled before all were in.</summary>
    private bool WriteBatch()
    {
        var (answers, subscriptions) = session.Take();
        foreach (var answer in answers)
        {
            socket.AppendFrame(answer);
        }

        var count = 0;
        var oldestAcceptedAt = 0L;
        var full = false;
        for (var i = 0; i < subscriptions.Length && !full; i++)
        {
            var subscription = subscriptions[(_start + i) % subscriptions.Length];
            if (subscription.PendingReplay is { } replay)
            {
                subscription.PendingReplay = null;
                foreach (var message in replay)
                {
                    socket.Append(message);
                }
            }

            var inbox = subscription.Subscription.Messages;
            while (!full && inbox.TryRead(out var message))
            {
                oldestAcceptedAt = count++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
                full = !socket.Append(message);
            }
        }

        _start = subscriptions.Length == 0 ? 0 : (_start + 1) % subscriptions.Length;
        if (count > 0)
        {
            // Counted before the flush (PushConnection counts after it): this batch's write follows at once.
            deliveries.Delivered(count, oldestAcceptedAt);
        }

        return full;
    }
}
