using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Security;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Checks a subscription request and, when it is sound, streams it until either side ends it.</summary>
internal sealed class SseStreamer(
    IBroadcastHub hub,
    TopicAuthorizer authorizer,
    IOptions<HubOptions> hubOptions,
    IOptions<SseTransportOptions> options,
    TimeProvider timeProvider,
    ConnectionTracker tracker,
    GatewayDrain drain,
    GatewayMetrics metrics)
{
    /// <param name="context">The request.</param>
    /// <param name="requestedTopics">Topics named by the client; none for the default set.</param>
    /// <param name="fallbackLastEventId">
    /// The id from the query or body (<c>lastEventId</c>, the field a problem names); the <c>Last-Event-ID</c> header wins over it.
    /// </param>
    public async Task StreamAsync(HttpContext context, IReadOnlyCollection<string?> requestedTopics, string? fallbackLastEventId)
    {
        if (!TopicSelection.TrySelect(requestedTopics, SseEndpoint.DefaultTopics, hubOptions.Value.MaxTopicsPerConnection, out var topics, out var error))
        {
            await Problems.Invalid("topic", error).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var access = authorizer.CanSubscribe(context.User, topics);
        if (!access.IsAllowed)
        {
            await AccessProblems.For(access, "subscribe to", context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        // The header wins: EventSource sends a fresher one on each reconnect.
        var header = context.Request.Headers[SseHeaders.LastEventId];
        if (header.Count > 1)
        {
            await Problems.Invalid(SseHeaders.LastEventId, Problems.GivenTwice).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var (lastEventId, field) = string.IsNullOrEmpty(header) ? (fallbackLastEventId, SseHeaders.LastEventIdQuery) : (header.ToString(), SseHeaders.LastEventId);

        if (string.IsNullOrEmpty(lastEventId))
        {
            lastEventId = null;
        }
        else if (!EventIdRules.IsValidLastEventId(lastEventId))
        {
            await Problems.Invalid(field, $"At most {EventIdRules.MaxLength} characters, without control characters.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        Subscription subscription;
        try
        {
            subscription = await hub.SubscribeAsync(topics, lastEventId, SseEndpoint.Transport, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // Only a resume needs the backplane to subscribe: its history is there.
            await Problems.BackplaneUnavailable(context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            await StreamAsync(context, subscription, lastEventId).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(HttpContext context, Subscription subscription, string? lastEventId)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells nginx (and proxies that copy it) not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        if (lastEventId is not null)
        {
            response.Headers[SseHeaders.Resume] = subscription.ResumeStatus == ResumeStatus.Complete ? "complete" : "gap";
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var openedAt = tracker.Opened(context, SseEndpoint.Transport);
        var connection = new SseConnection(context, subscription, options.Value, timeProvider, drain, metrics);
        try
        {
            // A stream outlives no token: it ends when the token expires, and the client reconnects with a fresh one.
            var tokenExpires = authorizer.Enabled ? GatewayClaims.From(context.User).Expires : null;
            await connection.RunAsync(lastEventId, tokenExpires).ConfigureAwait(false);
        }
        finally
        {
            tracker.Closed(context, SseEndpoint.Transport, openedAt, connection.CloseReason, connection.CloseCategory);
        }
    }
}
