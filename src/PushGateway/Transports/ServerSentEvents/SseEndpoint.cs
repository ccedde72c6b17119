using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Security;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>
/// <c>/sse</c>: topics as a <c>text/event-stream</c>, resumable with <c>Last-Event-ID</c>. GET takes
/// <c>?topic=</c> and <c>?lastEventId=</c>; POST takes the same as a JSON body. Checks the request, then
/// streams it until either side ends it.
/// </summary>
internal sealed class SseEndpoint(
    ConnectionRunner runner,
    TopicAuthorizer authorizer,
    IOptions<HubOptions> hubOptions,
    IOptions<SseTransportOptions> options,
    TimeProvider timeProvider,
    GatewayDrain drain)
{
    public const string Transport = "sse";

    /// <summary>Largest <c>POST /sse</c> body: topics and an id, nothing more.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    public static readonly FrozenSet<string> DefaultTopics = FrozenSet.Create(StringComparer.Ordinal, BuiltInTopics.Ticker, BuiltInTopics.Chat);

    public async Task HandleGetAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var lastEventId = query[SseHeaders.LastEventIdQuery];
        if (lastEventId.Count > 1)
        {
            await Problems.Invalid(SseHeaders.LastEventIdQuery, Problems.GivenTwice).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await StreamAsync(context, [.. query["topic"]], lastEventId).ConfigureAwait(false);
    }

    public async Task HandlePostAsync(HttpContext context)
    {
        // No body, no options (as a GET without a query): nothing to parse, and no media type to judge.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            await StreamAsync(context, [], fallbackLastEventId: null).ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasJsonContentType())
        {
            await Problems.UnsupportedMediaType("POST /sse takes application/json.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (RequestBodyReader.CapSize(context, MaxRequestBytes, "POST /sse") is { } tooLarge)
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
        await StreamAsync(context, request?.Topics ?? [], request?.LastEventId).ConfigureAwait(false);
    }

    /// <param name="context">The request.</param>
    /// <param name="requestedTopics">Topics named by the client; none for the default set.</param>
    /// <param name="fallbackLastEventId">
    /// The id from the query or body (<c>lastEventId</c>, the field a problem names); the <c>Last-Event-ID</c> header wins over it.
    /// </param>
    private async Task StreamAsync(HttpContext context, IReadOnlyCollection<string?> requestedTopics, string? fallbackLastEventId)
    {
        var settings = options.Value;
        if (!TopicSelection.TrySelect(requestedTopics, DefaultTopics, hubOptions.Value.MaxTopicsPerConnection, out var topics, out var error))
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

        // A stream outlives no token: it ends when the token expires, and the client reconnects with a fresh one.
        var tokenExpires = authorizer.Enabled ? GatewayClaims.From(context.User).Expires : null;
        var request = new ConnectionRequest(Transport, topics, lastEventId, settings.CloseTimeout, tokenExpires);
        await runner.RunAsync(context, request, new SseOpening(lastEventId, settings, timeProvider, drain)).ConfigureAwait(false);
    }
}
