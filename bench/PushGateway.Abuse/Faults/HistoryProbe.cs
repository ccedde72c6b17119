using System.Net.ServerSentEvents;
using System.Text;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// What the gateway's history held after a fault, asked as a client asks: <c>GET /sse</c> through the proxy with
/// <c>Last-Event-ID</c> set to a message acknowledged before the fault, read until every message acknowledged since
/// has come (or 3 s passed). A message in that replay was held; the <c>PushGateway-Resume</c> answer says whether the
/// gateway itself thought it held everything.
/// </summary>
internal static class HistoryProbe
{
    private static readonly TimeSpan ReadFor = TimeSpan.FromSeconds(3);

    /// <summary>The resume answer and the publisher sequences replayed (or delivered live while the probe read).</summary>
    public static async Task<(string Resume, HashSet<long> Held)> ReadAsync(
        HttpClient http, string topic, string lastEventId, IReadOnlyCollection<long> expected, CancellationToken cancellationToken)
    {
        var held = new HashSet<long>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ReadFor);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"sse?topic={Uri.EscapeDataString(topic)}");
        request.Headers.Add("Last-Event-ID", lastEventId);
        string? resume = null;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            resume = response.Headers.TryGetValues("PushGateway-Resume", out var values) ? string.Join(',', values) : $"status {(int)response.StatusCode}";
            var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await foreach (var item in SseParser.Create(body, static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync(deadline.Token).ConfigureAwait(false))
            {
                if (AbusePayload.TryRead(item.Data, out var sequence, out _))
                {
                    held.Add(sequence);
                }

                if (expected.All(held.Contains))
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Read for as long as it may: what came is what was held.
            resume ??= exception.GetType().Name;
        }

        return (resume ?? "no answer", held);
    }
}
