using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using PushGateway.Client;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// The project's own <see cref="PushPublisher"/> as <c>AddPushGatewayClient</c> registers it (the standard resilience
/// handler's retries, one Idempotency-Key per publish), at a steady rate over several topics, open loop: message k is
/// due at start + k / rate, carries k and that time, and goes to topic k mod n. Every attempt is recorded by a handler
/// beneath the retries, and every publish's final outcome (the id answered, or what the client threw).
/// </summary>
internal sealed class FaultPublisher : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly PushPublisher _publisher;
    private readonly IReadOnlyList<string> _topics;
    private readonly OpenLoop _loop;
    private readonly ConcurrentDictionary<long, Publish> _publishes = new();

    public FaultPublisher(Uri proxy, IReadOnlyList<string> topics, double perSecond)
    {
        _topics = topics;
        _loop = new OpenLoop(perSecond);
        var services = new ServiceCollection();
        services.AddPushGatewayClient(options => options.BaseAddress = proxy);
        services.AddHttpClient<PushPublisher>().AddHttpMessageHandler(() => new AttemptRecorder(_publishes));
        _services = services.BuildServiceProvider();
        _publisher = _services.GetRequiredService<PushPublisher>();
    }

    /// <summary>Every publish so far, by sequence.</summary>
    public IReadOnlyList<Publish> Publishes => [.. _publishes.Values.OrderBy(p => p.Record.Sequence)];

    public void Start() => _loop.Start((sequence, scheduledAt) =>
        PublishAsync(_publishes[sequence] = new Publish(new PublishRecord(sequence), _topics[(int)(sequence % _topics.Count)], scheduledAt)));

    /// <summary>Stops scheduling and waits for every publish on its way to end (the client's own total timeout bounds each).</summary>
    public Task StopAsync(TimeSpan settle) => _loop.StopAsync(settle);

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PublishAsync(Publish publish)
    {
        var publication = new PushPublication([publish.Topic], AbusePayload.Create(publish.Record.Sequence, publish.ScheduledAt))
        {
            IdempotencyKey = Key(publish.Record.Sequence),
        };
        try
        {
            var result = await _publisher.PublishAsync(publication, _loop.Abandoned).ConfigureAwait(false);
            publish.Id = result.Id;
            publish.Outcome = result.Replayed ? "acknowledged (replayed)" : "acknowledged";
        }
        catch (OperationCanceledException) when (_loop.Abandoned.IsCancellationRequested)
        {
            publish.Outcome = "cut off at the end of the run";
        }
        catch (Exception exception)
        {
            // What a caller of the client would get: the final outcome of this publish.
            publish.Outcome = exception is PushGatewayException { Status: var status } && status != 0
                ? $"{nameof(PushGatewayException)} {(int)status}"
                : exception.GetType().Name;
        }
    }

    private static string Key(long sequence) => "m-" + sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>One publish: its attempts, its topic, when it was due, and what the client returned (the id) or threw.</summary>
    internal sealed class Publish(PublishRecord record, string topic, long scheduledAt)
    {
        public PublishRecord Record { get; } = record;

        public string Topic { get; } = topic;

        /// <summary>When it was due (<see cref="Stopwatch"/> timestamp).</summary>
        public long ScheduledAt { get; } = scheduledAt;

        /// <summary>The event id the gateway answered; null until acknowledged.</summary>
        public string? Id { get; set; }

        /// <summary>"acknowledged", "acknowledged (replayed)", or the exception the client threw; null while on its way.</summary>
        public string? Outcome { get; set; }
    }

    /// <summary>Beneath the resilience handler: notes each attempt of a publish (found by its idempotency key) and its answer.</summary>
    private sealed class AttemptRecorder(ConcurrentDictionary<long, Publish> publishes) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var record = request.Headers.TryGetValues(PushPublisher.IdempotencyKeyHeader, out var keys)
                && long.TryParse(keys.First().AsSpan(2), CultureInfo.InvariantCulture, out var sequence)
                && publishes.TryGetValue(sequence, out var publish)
                    ? publish.Record
                    : null;
            record?.Sending(Stopwatch.GetTimestamp());
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (record is not null)
                {
                    var (answer, status) = await PublishAnswers.ReadAsync(response, cancellationToken).ConfigureAwait(false);
                    record.Answered(answer, status);
                }

                return response;
            }
            catch (Exception exception) when (record is not null && PublishAnswers.Unanswered(exception, CancellationToken.None) is { } answer)
            {
                record.Answered(answer, 0);
                throw;
            }
        }
    }
}
