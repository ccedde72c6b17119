using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Transports;

/// <summary>
/// What every endpoint does once it has checked and authorized a request: subscribe, open the transport
/// (accept the socket, start the stream), count and log the connection, and run it to its end.
/// </summary>
internal sealed class ConnectionRunner(IBroadcastHub hub, ConnectionTracker tracker, TimeProvider timeProvider, GatewayMetrics metrics)
{
    /// <param name="context">The request.</param>
    /// <param name="request">What to subscribe to, and the connection's limits.</param>
    /// <param name="open">
    /// Opens the transport on the subscription. Subscribed first: whatever is published once the client
    /// sees the connection open reaches it. Still able to answer with a problem until then.
    /// </param>
    public async Task RunAsync(HttpContext context, ConnectionRequest request, Func<Subscription, Task<IConnectionTransport>> open)
    {
        Subscription subscription;
        try
        {
            subscription = request.Topics.Count == 0
                ? hub.OpenSession(request.Transport)
                : await hub.SubscribeAsync(request.Topics, request.LastEventId, request.Transport, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException exception)
        {
            // Only a resume needs the backplane to subscribe: its history is there.
            await Problems.BackplaneUnavailable(context, exception).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            using var transport = await open(subscription).ConfigureAwait(false);
            var openedAt = tracker.Opened(context, request.Transport);
            using var connection = new PushConnection(
                subscription, transport, request.CloseTimeout, request.TokenExpires, timeProvider, metrics.Deliveries(request.Transport));
            try
            {
                await connection.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                tracker.Closed(context, request.Transport, openedAt, connection.CloseLogText, connection.CloseCategory);
            }
        }
    }
}
