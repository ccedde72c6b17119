using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.Features;
using PushGateway.Hosting;
using PushGateway.Hub;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// <c>/sse</c>: topics as a <c>text/event-stream</c>, resumable with <c>Last-Event-ID</c>. GET takes
/// <c>?topic=</c> and <c>?lastEventId=</c>; POST takes the same as a JSON body.
/// </summary>
internal static class SseEndpoint
{
    public const string Transport = "sse";

    /// <summary>Largest <c>POST /sse</c> body: topics and an id, nothing more.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    public static readonly FrozenSet<string> DefaultTopics = FrozenSet.Create(StringComparer.Ordinal, Topics.Ticker, Topics.Chat);

    public static async Task HandleGetAsync(HttpContext context, SseStreamer streamer)
    {
        var query = context.Request.Query;
        var lastEventId = query[SseHeaders.LastEventIdQuery];
        if (lastEventId.Count > 1)
        {
            await Problems.Invalid(SseHeaders.LastEventIdQuery, Problems.GivenTwice).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await streamer.StreamAsync(context, [.. query["topic"]], lastEventId).ConfigureAwait(false);
    }

    public static async Task HandlePostAsync(HttpContext context, SseStreamer streamer)
    {
        // No body, no options (as a GET without a query): nothing to parse, and no media type to judge.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            await streamer.StreamAsync(context, [], fallbackLastEventId: null).ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasJsonContentType())
        {
            await Problems.UnsupportedMediaType("POST /sse takes application/json.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (Problems.LimitBody(context, MaxRequestBytes, "POST /sse") is { } tooLarge)
        {
            await tooLarge.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var read = await RequestBodyReader.ReadJsonAsync(context, SseJsonContext.Default.SseSubscribeRequest).ConfigureAwait(false);
        if (read.Problem is { } unreadable)
        {
            await unreadable.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var request = read.Value;
        await streamer.StreamAsync(context, request?.Topics ?? [], request?.LastEventId).ConfigureAwait(false);
    }
}
