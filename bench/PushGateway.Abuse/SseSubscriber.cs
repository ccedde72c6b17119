using System.Diagnostics;
using System.Net.ServerSentEvents;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// An <c>/sse</c> subscriber parsed with the runtime's <see cref="SseParser"/>. When resuming is on it
/// behaves like <c>EventSource</c>: a stream that ends or fails is opened again, on the next node,
/// with <c>Last-Event-ID</c>, and it records how the gateway answered the resume and how long it
/// went without events.
/// </summary>
internal sealed class SseSubscriber(HttpClient client, IReadOnlyList<Uri> nodes, int node, string topic, bool resume) : ISubscriber
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<long> _resumedAt = [];
    private readonly Dictionary<string, int> _resumeAnswers = [];
    private Task _loop = Task.CompletedTask;
    private long _droppedAt;
    private int _node = node;

    public Receipts Receipts { get; } = new();

    public string? DropReason { get; private set; }

    public string? LastEventId { get; private set; }

    /// <summary>Node index the subscriber is on now.</summary>
    public int Node => Volatile.Read(ref _node);

    public int Reconnects { get; private set; }

    public int Gaps { get; private set; }

    /// <summary><see cref="Stopwatch"/> timestamps of the first event after each drop.</summary>
    public IReadOnlyList<long> ResumedAt => _resumedAt;

    /// <summary><c>PushGateway-Resume</c> answers (or the refusal status) of every reconnection.</summary>
    public IReadOnlyDictionary<string, int> ResumeAnswers => _resumeAnswers;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var first = await OpenAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(() => RunAsync(first, _stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task<HttpResponseMessage> OpenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(nodes[Node], $"/sse?topic={topic}"));
        if (LastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", LastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"GET /sse answered {(int)response.StatusCode}", null, response.StatusCode);
        }

        return response;
    }

    private async Task RunAsync(HttpResponseMessage? response, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                response ??= await OpenAsync(stopping).ConfigureAwait(false);
                if (Reconnects > 0)
                {
                    Count(response.Headers.TryGetValues("PushGateway-Resume", out var values) ? values.First() : "(no header)");
                }

                await ReadAsync(response, stopping).ConfigureAwait(false);
                Dropped("the server ended the stream");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException exception) when (exception.StatusCode is { } status)
            {
                Count(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Dropped($"refused with {(int)status}");
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                Dropped(exception.Message);
            }
            finally
            {
                response?.Dispose();
                response = null;
            }

            if (!resume)
            {
                return;
            }

            // Like EventSource, but without its 3 s wait: the next node at once, after a short pause.
            Volatile.Write(ref _node, (Node + 1) % nodes.Count);
            Reconnects++;
            await Task.Delay(ReconnectDelay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ReadAsync(HttpResponseMessage response, CancellationToken stopping)
    {
        var stream = await response.Content.ReadAsStreamAsync(stopping).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(stopping).ConfigureAwait(false))
            {
                if (item.EventType == "gap")
                {
                    Gaps++;
                    continue;
                }

                if (item.EventId is { Length: > 0 } id)
                {
                    LastEventId = id;
                }

                if (AbusePayload.TryRead(item.Data, out var sequence, out var sentAt))
                {
                    LatencyRecorder.Record(Payload.MicrosecondsSince(sentAt));
                    Receipts.Add(sequence);
                    if (_droppedAt != 0)
                    {
                        _resumedAt.Add(Stopwatch.GetTimestamp());
                        _droppedAt = 0;
                    }
                }
            }
        }
    }

    private void Dropped(string reason)
    {
        DropReason ??= reason;
        if (_droppedAt == 0)
        {
            _droppedAt = Stopwatch.GetTimestamp();
        }
    }

    private void Count(string answer) => _resumeAnswers[answer] = _resumeAnswers.GetValueOrDefault(answer) + 1;
}
