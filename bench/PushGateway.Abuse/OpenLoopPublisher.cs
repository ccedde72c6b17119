using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace PushGateway.Abuse;

/// <summary>
/// <c>POST /publish</c> at a fixed rate, open loop: message k is due at start + k / rate and carries
/// that scheduled time, so a stalled gateway shows up as latency instead of slowing the publisher.
/// With retries on, it behaves as the contract asks: after a 503 it waits Retry-After and tries
/// again; after any other failure it tries again (on the next node) with the same id and content.
/// </summary>
internal sealed class OpenLoopPublisher : IAsyncDisposable
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<Uri> _nodes;
    private readonly string _topic;
    private readonly bool _retry;
    private readonly int _messageBytes;
    private readonly HttpClient _client;
    private readonly SemaphoreSlim _inFlight;
    private readonly ConcurrentDictionary<long, PublishRecord> _records = new();
    private readonly ConcurrentDictionary<string, int> _noAnswerErrors = new();
    private readonly OpenLoop _loop;

    /// <param name="nodes">Gateways to publish to, in turn: attempt a of message k goes to node (k + a) mod n.</param>
    /// <param name="topic">The one topic every message goes to.</param>
    /// <param name="perSecond">Messages scheduled per second.</param>
    /// <param name="retry">Retry until acknowledged (with the publisher's own ids), or publish each message once.</param>
    /// <param name="messageBytes">Size of each message's data (the 100-byte payload, padded).</param>
    /// <param name="maxInFlight">Requests on their way at once; a message waits for a free one (and that wait counts as latency).</param>
    public OpenLoopPublisher(IReadOnlyList<Uri> nodes, string topic, double perSecond, bool retry, int messageBytes = 100, int maxInFlight = 256)
    {
        (_nodes, _topic, _retry, _messageBytes) = (nodes, topic, retry, messageBytes);
        _loop = new OpenLoop(perSecond);
        _inFlight = new SemaphoreSlim(maxInFlight);
        _client = new HttpClient(Loopback.Handler(Loopback.Client(199), maxInFlight)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public IReadOnlyCollection<PublishRecord> Records => [.. _records.Values.OrderBy(r => r.Sequence)];

    /// <summary>What the client saw instead of an answer (<see cref="PublishAnswer.NoAnswer"/>), counted by error: tells a reset from a timeout.</summary>
    public IReadOnlyDictionary<string, int> NoAnswerErrors => new SortedDictionary<string, int>(_noAnswerErrors, StringComparer.Ordinal);

    public IEnumerable<long> Acknowledged => _records.Values.Where(r => r.Acknowledged).Select(r => r.Sequence);

    public long Scheduled => _records.Count;

    public void Start() => _loop.Start((sequence, scheduledAt) => PublishAsync(_records[sequence] = new PublishRecord(sequence), scheduledAt));

    /// <summary>Stops scheduling; lets messages on their way (and their retries) finish for up to <paramref name="settle"/>.</summary>
    public Task StopAsync(TimeSpan settle) => _loop.StopAsync(settle);

    /// <summary>Every attempt's answer, counted by kind (and status for <see cref="PublishAnswer.Other"/> and <see cref="PublishAnswer.OutcomeUnknown"/>).</summary>
    public IReadOnlyDictionary<string, int> AnswerCounts() => PublishAnswers.Count(_records.Values);

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
        _inFlight.Dispose();
    }

    private async Task PublishAsync(PublishRecord record, long scheduledAt)
    {
        var abandon = _loop.Abandoned;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                await _inFlight.WaitAsync(abandon).ConfigureAwait(false);
                (PublishAnswer Answer, int Status, TimeSpan? RetryAfter) outcome;
                try
                {
                    record.Sending(Stopwatch.GetTimestamp());
                    outcome = await SendAsync(record.Sequence, attempt, scheduledAt, abandon).ConfigureAwait(false);
                }
                finally
                {
                    _inFlight.Release();
                }

                record.Answered(outcome.Answer, outcome.Status);
                if (outcome.Answer == PublishAnswer.Ok || !_retry
                    || (outcome.Answer == PublishAnswer.Other && outcome.Status is >= 400 and < 500 and not 408 and not 429))
                {
                    return;
                }

                // Refused: nothing was sent, so the next node at once.
                await Task.Delay(outcome.Answer == PublishAnswer.Refused ? TimeSpan.Zero : outcome.RetryAfter ?? RetryDelay, abandon).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // The run is over; an attempt cut off here says nothing about the gateway.
        }
    }

    private async Task<(PublishAnswer Answer, int Status, TimeSpan? RetryAfter)> SendAsync(
        long sequence, int attempt, long scheduledAt, CancellationToken abandon)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("topic", _topic),
            new("data", AbusePayload.Create(sequence, scheduledAt, _messageBytes)),
        };
        if (_retry)
        {
            // The publisher's own id, the same on every attempt: what a retry must carry.
            fields.Add(new("id", "m-" + sequence.ToString(CultureInfo.InvariantCulture)));
        }

        var node = _nodes[(int)((sequence + attempt) % _nodes.Count)];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            using var content = new FormUrlEncodedContent(fields);
            using var response = await _client.PostAsync(new Uri(node, "/publish"), content, timeout.Token).ConfigureAwait(false);
            var (answer, status) = await PublishAnswers.ReadAsync(response, timeout.Token).ConfigureAwait(false);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            return answer == PublishAnswer.NotStored ? (answer, status, retryAfter ?? TimeSpan.FromSeconds(5)) : (answer, status, answer == PublishAnswer.Other ? retryAfter : null);
        }
        catch (Exception exception) when (PublishAnswers.Unanswered(exception, abandon) is { } answer)
        {
            if (answer == PublishAnswer.NoAnswer)
            {
                _noAnswerErrors.AddOrUpdate(PublishAnswers.Describe(exception, AttemptTimeout), 1, (_, count) => count + 1);
            }

            return (answer, 0, null);
        }
    }
}
