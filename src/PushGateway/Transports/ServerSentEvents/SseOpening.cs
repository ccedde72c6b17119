using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using PushGateway.Hosting;
using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Starts a <c>text/event-stream</c> response on a subscription, and streams it (see <see cref="TransportOpening"/>).</summary>
internal sealed class SseOpening(string? lastEventId, SseTransportOptions options, TimeProvider timeProvider, GatewayDrain drain) : TransportOpening
{
    public override Task<IConnectionTransport> OpenAsync(HttpContext context, Subscription subscription)
    {
        SetHeaders(context.Response, subscription);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var output = new SseOutput(context.Response.BodyWriter, context.Abort, Chunked: false, context.RequestAborted);
        return Task.FromResult<IConnectionTransport>(new SseConnection(output, subscription, lastEventId, options, timeProvider, drain));
    }

    public override async Task SendHeadAsync(HttpContext context, Subscription subscription)
    {
        SetHeaders(context.Response, subscription);
        // No request follows on this connection: without it the HTTP layer would read for one, find the handed-off
        // connection's end, and reset it. The head says chunked (no length is known): the stream frames its chunks itself.
        context.Response.Headers.Connection = "close";
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public override IConnectionTransport Open(ConnectionContext connection, Subscription subscription)
    {
        var output = new SseOutput(connection.Transport.Output, connection.Abort, Chunked: true, connection.ConnectionClosed);
        return new SseConnection(output, subscription, lastEventId, options, timeProvider, drain);
    }

    private void SetHeaders(HttpResponse response, Subscription subscription)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells nginx (and proxies that copy it) not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        if (lastEventId is not null)
        {
            response.Headers[SseHeaders.Resume] = subscription.ResumeStatus == ResumeStatus.Complete ? "complete" : "gap";
        }
    }
}
