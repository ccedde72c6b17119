using Microsoft.AspNetCore.Connections;
using PushGateway.Hub;

namespace PushGateway.Transports;

/// <summary>
/// How an endpoint opens its transport on a subscription (see <see cref="ConnectionRunner"/>): within the request,
/// or, over HTTP/1.1, by sending the response head in the request and building the transport on the connection
/// once Kestrel's HTTP layer has handed it off (<see cref="Handoff.ConnectionHandoff"/>). An opening outlives its
/// request: it must hold nothing of the request's.
/// </summary>
internal abstract class TransportOpening
{
    /// <summary>Opens the transport within the request (HTTP/2, HTTP/1.0): the request lasts as long as the connection.</summary>
    public abstract Task<IConnectionTransport> OpenAsync(HttpContext context, Subscription subscription);

    /// <summary>Sends and flushes the response head (101, or 200 with the stream's headers): the last thing the request does.</summary>
    public abstract Task SendHeadAsync(HttpContext context, Subscription subscription);

    /// <summary>The transport on the handed-off connection, whose pipes no longer pass through the HTTP layer.</summary>
    public abstract IConnectionTransport Open(ConnectionContext connection, Subscription subscription);
}
