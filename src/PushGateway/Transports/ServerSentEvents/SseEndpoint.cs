using System.Collections.Frozen;
using System.Text.Json;
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

    public static Task HandleGetAsync(HttpContext context, SseStreamer streamer) =>
        streamer.StreamAsync(context, [.. context.Request.Query["topic"]], context.Request.Query[SseHeaders.LastEventIdQuery].ToString());

    public static async Task HandlePostAsync(HttpContext context, SseStreamer streamer)
    {
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

        SseSubscribeRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(SseJsonContext.Default.SseSubscribeRequest, context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            await Problems.Invalid("body", $"Not the expected JSON: {exception.Message}").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException exception)
        {
            await Problems.Status(exception.StatusCode, exception.Message).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await streamer.StreamAsync(context, request?.Topics ?? [], request?.LastEventId).ConfigureAwait(false);
    }
}
