using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;

namespace PushGateway.Client;

/// <summary>
/// Subscribes over <c>GET /sse</c> (or the WebSocket sub-protocol) and stays subscribed: when the stream ends (a node draining, a node gone, a
/// dropped connection) it reconnects — after the server's <c>retry:</c>, or with jittered exponential backoff after a
/// failure, or after a 503's <c>Retry-After</c> — and resumes after the last event id it yielded, so that the
/// sequence it yields has nothing missing and nothing twice (a <see cref="PushMessage.Gap"/> says when the gateway
/// no longer held what was missed).
/// </summary>
public sealed partial class PushSubscriber(HttpClient http, IOptions<PushGatewayClientOptions> options, TimeProvider time)
{
    /// <summary>
    /// The events of <paramref name="topics"/>, from after <paramref name="lastEventId"/> (null: from now on), until
    /// <paramref name="cancellationToken"/> is cancelled, over <see cref="PushGatewayClientOptions.Transport"/>. Throws
    /// <see cref="PushGatewayException"/> for a refusal that reconnecting will not change (a bad topic, a token that
    /// does not allow it).
    /// </summary>
    public IAsyncEnumerable<PushMessage> SubscribeAsync(
        IReadOnlyCollection<string> topics, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        return options.Value.Transport == PushTransport.WebSocket
            ? OverWebSocketAsync(topics, lastEventId, cancellationToken)
            : OverSseAsync(topics, lastEventId, cancellationToken);
    }

    private async IAsyncEnumerable<PushMessage> OverSseAsync(
        IReadOnlyCollection<string> topics, string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = "sse?" + string.Join('&', topics.Select(topic => "topic=" + Uri.EscapeDataString(topic)));
        var failures = 0;
        while (true)
        {
            var (response, retryAfter) = await ConnectAsync(path, lastEventId, cancellationToken).ConfigureAwait(false);
            var wait = retryAfter;
            if (response is not null)
            {
                using (response)
                {
                    failures = 0;
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    var parser = SseParser.Create(body, static (_, data) => Encoding.UTF8.GetString(data));
                    var events = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                    await using (events.ConfigureAwait(false))
                    {
                        while (await NextAsync(events, cancellationToken).ConfigureAwait(false))
                        {
                            var item = events.Current;
                            var gap = item.EventType == PushMessage.Gap;
                            if (!gap)
                            {
                                lastEventId = parser.LastEventId.Length > 0 ? parser.LastEventId : lastEventId;
                            }

                            yield return new PushMessage(item.EventType, gap ? null : item.EventId, item.Data);
                        }
                    }

                    // The stream ended: the server's retry: when it sent one, else the first backoff step.
                    wait ??= parser.ReconnectionInterval > TimeSpan.Zero && parser.ReconnectionInterval != Timeout.InfiniteTimeSpan
                        ? parser.ReconnectionInterval
                        : null;
                }
            }

            wait ??= Backoff(failures++);
            await Task.Delay(wait.Value, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The stream, or null with the wait the server asked for (or none) when this attempt failed and another may not.</summary>
    private async Task<(HttpResponseMessage? Response, TimeSpan? RetryAfter)> ConnectAsync(string path, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return (null, null);
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, null);
        }

        using (response)
        {
            if (!IsWorthRetrying(response.StatusCode))
            {
                throw await PushGatewayException.FromAsync(response, cancellationToken).ConfigureAwait(false);
            }

            return (null, response.Headers.RetryAfter?.Delta);
        }
    }

    /// <summary>Whether the next item came; false when the stream ended or broke (both mean: reconnect).</summary>
    private static async ValueTask<bool> NextAsync(IAsyncEnumerator<SseItem<string>> events, CancellationToken cancellationToken)
    {
        try
        {
            return await events.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool IsWorthRetrying(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Exponential from <see cref="PushGatewayClientOptions.ReconnectDelay"/>, capped, and drawn from its upper half so that clients spread out.</summary>
    private TimeSpan Backoff(int failures)
    {
        var settings = options.Value;
        var ceiling = Math.Min(settings.MaxReconnectDelay.TotalMilliseconds, settings.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}
