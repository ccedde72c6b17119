using System.Net;
using Microsoft.AspNetCore.Connections;
using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Transports.Handoff;

namespace PushGateway.Transports;

/// <summary>
/// What every endpoint does once it has checked and authorized a request: subscribe, open the transport
/// (accept the socket, start the stream), count and log the connection, and run it to its end. Over HTTP/1.1 the
/// request ends once the response head is sent, and the connection runs handed off (<see cref="ConnectionHandoff"/>).
/// </summary>
internal sealed class ConnectionRunner(IBroadcastHub hub, ConnectionTracker tracker, TimeProvider timeProvider, GatewayMetrics metrics)
{
    /// <param name="context">The request.</param>
    /// <param name="request">What to subscribe to, and the connection's limits.</param>
    /// <param name="opening">
    /// Opens the transport on the subscription. Subscribed first: whatever is published once the client
    /// sees the connection open reaches it. Still able to answer with a problem until then.
    /// </param>
    public async Task RunAsync(HttpContext context, ConnectionRequest request, TransportOpening opening)
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

        IConnectionTransport transport;
        try
        {
            if (ConnectionHandoff.For(context) is { } handoff)
            {
                await opening.SendHeadAsync(context, subscription).ConfigureAwait(false);
                handoff.Detach(new HandedOff(this, request, subscription, opening).RunAsync);
                return;
            }

            transport = await opening.OpenAsync(context, subscription).ConfigureAwait(false);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }

        await RunAsync(subscription, transport, request, context.Connection.Id, context.Connection.RemoteIpAddress).ConfigureAwait(false);
    }

    /// <summary>Runs the connection to its end; then disposes <paramref name="transport"/> and <paramref name="subscription"/>.</summary>
    private async Task RunAsync(
        Subscription subscription, IConnectionTransport transport, ConnectionRequest request, string connectionId, IPAddress? remoteAddress)
    {
        using (subscription)
        using (transport)
        {
            var openedAt = tracker.Opened(request.Transport, connectionId, remoteAddress);
            using var connection = new PushConnection(
                subscription, transport, request.CloseTimeout, request.TokenExpires, timeProvider, metrics.Deliveries(request.Transport));
            try
            {
                await connection.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                tracker.Closed(request.Transport, connectionId, remoteAddress, openedAt, connection.CloseLogText, connection.CloseCategory);
            }
        }
    }

    /// <summary>
    /// A connection's life after its request ended: a class of its own, so that it holds nothing of the request, and
    /// no async method of its own, so that an idle connection holds one frame fewer.
    /// </summary>
    private sealed class HandedOff(ConnectionRunner runner, ConnectionRequest request, Subscription subscription, TransportOpening opening)
    {
        public Task RunAsync(ConnectionContext connection)
        {
            IConnectionTransport transport;
            try
            {
                transport = opening.Open(connection, subscription);
            }
            catch
            {
                subscription.Dispose();
                throw;
            }

            var remoteAddress = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            return runner.RunAsync(subscription, transport, request, connection.ConnectionId, remoteAddress);
        }
    }
}
