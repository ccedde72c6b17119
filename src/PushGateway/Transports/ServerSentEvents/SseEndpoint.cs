using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary><c>/sse</c>: the ticker and chat as a <c>text/event-stream</c>, resumable with <c>Last-Event-ID</c>.</summary>
internal static class SseEndpoint
{
    public const string Transport = "sse";

    private static readonly FrozenSet<string> DefaultTopics = FrozenSet.Create(StringComparer.Ordinal, Topics.Ticker, Topics.Chat);

    public static async Task HandleAsync(
        HttpContext context,
        IBroadcastHub hub,
        IOptions<SseTransportOptions> options,
        TimeProvider timeProvider,
        ConnectionTracker tracker)
    {
        if (!TryGetLastEventId(context.Request, out var lastSeen))
        {
            await Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid Last-Event-ID",
                detail: $"Last-Event-ID (or the {SseHeaders.LastEventIdQuery} query parameter) must be an id this gateway sent, like 1764078000000-42.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using var subscription = hub.Subscribe(DefaultTopics, lastSeen, Transport);

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells nginx (and proxies that copy it) not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        if (lastSeen is not null)
        {
            response.Headers[SseHeaders.Resume] = subscription.ResumeStatus == ResumeStatus.Complete ? "complete" : "gap";
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var openedAt = tracker.Opened(context, Transport);
        var connection = new SseConnection(context, subscription, options.Value, timeProvider);
        try
        {
            await connection.RunAsync(lastSeen).ConfigureAwait(false);
        }
        finally
        {
            tracker.Closed(context, Transport, openedAt, connection.CloseReason);
        }
    }

    /// <summary>The header wins over the query parameter: EventSource sends a fresher one on each reconnect.</summary>
    private static bool TryGetLastEventId(HttpRequest request, out MessageId? lastSeen)
    {
        lastSeen = null;
        var text = request.Headers[SseHeaders.LastEventId].ToString();
        if (string.IsNullOrEmpty(text))
        {
            text = request.Query[SseHeaders.LastEventIdQuery].ToString();
        }

        return string.IsNullOrEmpty(text) || MessageId.TryParse(text, out lastSeen);
    }
}
