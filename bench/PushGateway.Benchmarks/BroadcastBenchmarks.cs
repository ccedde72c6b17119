using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using PushGateway.Backplanes.InProcess;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Publishing;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Benchmarks;

/// <summary>
/// The hub's broadcast path with <see cref="Subscribers"/> subscribers of the chat topic, built as in
/// production (in-process backplane, real <see cref="GatewayMetrics"/>, null logger) but without DI.
/// The gateway's meter is collected by the OpenTelemetry SDK, as when <c>/metrics</c> is served, so
/// that every instrument on the way costs what it costs in production.
/// </summary>
/// <remarks>
/// <para>
/// Every fan-out benchmark publishes one 100-byte message and then reads it back from every
/// subscriber's queue, so that queues never fill (a full queue would drop the subscriber and change
/// what is measured). One operation is therefore: encode once + lock + TryWrite to N queues, then a
/// second pass of TryRead from N queues. <see cref="InboxFloor"/> does only the two passes over the
/// inboxes, with no hub, so <c>PublishLocal - InboxFloor</c> is what the hub itself adds.
/// </para>
/// <para>
/// Beside those: <see cref="PublishLocalTwoTopics"/> (the multi-topic path, which deduplicates),
/// <see cref="PublishToParkedReaders"/> (reader loops parked in <c>WaitAsync</c>, as on a live
/// node), <see cref="JoinAndLeave"/> (a reconnect next to N subscribers) and <see cref="Encode"/>.
/// </para>
/// <para>
/// The <c>ns/subscriber</c> column is the median divided by <see cref="Subscribers"/> (fan-out
/// benchmarks only). Allocated bytes are per operation, i.e. per publish.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(PerSubscriberConfig))]
public class BroadcastBenchmarks
{
    /// <summary>100 ASCII bytes: a short chat line.</summary>
    private static readonly string Payload = new('x', 100);

    private static readonly HashSet<string> ChatTopics = [BuiltInTopics.Chat];

    private readonly MessageDraft _draft = new([BuiltInTopics.Chat], EventTypes.Chat, Payload);

    /// <summary>The same message on two topics, only one of which the subscribers are on.</summary>
    private readonly MessageDraft _twoTopicDraft = new([BuiltInTopics.Chat, BuiltInTopics.Ticker], EventTypes.Chat, Payload);
    private readonly MessagePosition _position = new(1_764_072_000_000, 42);
    private ServiceProvider? _services;
    private MeterProvider? _meterProvider;
    private DeliveryRecorder? _deliveries;
    private BroadcastHub? _hub;
    private Subscription[] _subscriptions = [];
    private GatewayMessage? _encoded;
    private Task[] _readers = [];
    private long _readByParkedReaders;

    /// <summary>Subscribers of the topic on this node.</summary>
    [Params(1_000, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup(Targets = [nameof(PublishLocal), nameof(Publish), nameof(InboxFloor), nameof(PublishLocalTwoTopics),
        nameof(JoinAndLeave), nameof(Encode), nameof(RecordBatch)])]
    public void Setup()
    {
        CreateHub();

        // Check once that every subscriber gets every message, and that draining leaves nothing behind.
        if (PublishLocal() != Subscribers || Publish() != Subscribers || InboxFloor() != Subscribers
            || PublishLocalTwoTopics() != Subscribers || JoinAndLeave() != Subscribers + 1
            || _hub!.SubscriberCount != Subscribers)
        {
            throw new InvalidOperationException("The fan-out did not reach every subscriber exactly once.");
        }
    }

    [GlobalSetup(Target = nameof(PublishToParkedReaders))]
    public void SetupParkedReaders()
    {
        CreateHub();
        // Each loop runs until its first wait parks it.
        _readers = [.. _subscriptions.Select(subscription => ReadLoopAsync(subscription.Messages))];
        if (_readers.Any(reader => reader.IsCompleted) || PublishToParkedReaders() != Subscribers)
        {
            throw new InvalidOperationException("Every reader should have been woken once, and be waiting again.");
        }
    }

    private void CreateHub()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        // Aggregated in memory, exported never within a run: the recording is what is measured.
        _meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(GatewayMetrics.MeterName)
            .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), exportIntervalMilliseconds: int.MaxValue)).Build();
        var options = Options.Create(new HubOptions());
        var metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        _deliveries = metrics.Deliveries("ws");
        var backplane = new InProcessBackplane(options, Options.Create(new PublishOptions()), TimeProvider.System);
        _hub = new BroadcastHub(backplane, options, metrics, NullLogger<BroadcastHub>.Instance);
        // As the host does: the backplane delivers to the hub once started (in-process, at once).
        backplane.StartAsync(_hub, CancellationToken.None).GetAwaiter().GetResult();

        _subscriptions = new Subscription[Subscribers];
        for (var i = 0; i < _subscriptions.Length; i++)
        {
            _subscriptions[i] = Completed(_hub.SubscribeAsync(ChatTopics, lastEventId: null, transport: "ws"));
        }

        _encoded = GatewayMessage.Create(_position, _draft);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        // Disposing completed the inboxes: the parked readers return.
        Task.WaitAll(_readers);
        _subscriptions = [];
        _readers = [];
        _meterProvider?.Dispose();
        _services?.Dispose();
    }

    /// <summary>
    /// Node-local fan-out: a message without a position handed to the hub as the backplane hands every message
    /// (<see cref="BroadcastHub.Deliver"/>), so under the hub's lock one TryWrite per subscriber; then the drain, where the first reader encodes the WebSocket frame and the rest reuse it.
    /// </summary>
    /// <returns>Messages drained, so that the work cannot be elided.</returns>
    [Benchmark]
    [PerSubscriber]
    public int PublishLocal()
    {
        _hub!.Deliver(GatewayMessage.Create(position: null, _draft));
        return Drain();
    }

    /// <summary>
    /// Publish through the in-process backplane (<see cref="BroadcastHub.PublishAsync"/>): under the
    /// backplane's lock, assign the id, encode, append to history, then the same fan-out; then the drain.
    /// </summary>
    /// <returns>Messages drained.</returns>
    [Benchmark]
    [PerSubscriber]
    public int Publish()
    {
        Completed(_hub!.PublishAsync(_draft));
        return Drain();
    }

    /// <summary>
    /// The floor of any fan-out to these bounded inboxes, in the same two passes as the benchmarks
    /// above: TryWrite of an already-encoded message to every subscription (as the hub does), then the
    /// drain. No hub, lock, dictionary, encoding or metrics: <c>PublishLocal - InboxFloor</c> is the hub's
    /// own cost.
    /// </summary>
    /// <returns>Messages drained.</returns>
    [Benchmark]
    [PerSubscriber]
    public int InboxFloor()
    {
        var message = _encoded!;
        foreach (var subscription in _subscriptions)
        {
            subscription.TryDeliver(message);
        }

        return Drain();
    }

    /// <summary>
    /// <see cref="PublishLocal"/> of a message on two topics (chat and ticker; the subscribers are on chat
    /// only): the hub then deduplicates subscribers by stamping each with the fan-out.
    /// </summary>
    /// <returns>Messages drained.</returns>
    [Benchmark]
    [PerSubscriber]
    public int PublishLocalTwoTopics()
    {
        _hub!.Deliver(GatewayMessage.Create(position: null, _twoTopicDraft));
        return Drain();
    }

    /// <summary>
    /// One more connection joins the chat topic and leaves again, next to <see cref="Subscribers"/>
    /// others: what a reconnect costs the hub (both under the lock that fan-out also takes).
    /// </summary>
    /// <returns>Subscribers while the extra one was joined.</returns>
    [Benchmark]
    [PerSubscriber]
    public int JoinAndLeave()
    {
        using var subscription = Completed(_hub!.SubscribeAsync(ChatTopics, lastEventId: null, transport: "ws"));
        return _hub.SubscriberCount;
    }

    /// <summary>
    /// <see cref="PublishLocal"/> as it happens on a live node: every subscriber has a reader loop parked
    /// in <see cref="SubscriberInbox.WaitAsync"/>, as the connections' writer loops are. The fan-out wakes
    /// each one through the thread pool; the operation ends when every reader has drained the message.
    /// Measures the wake-ups, their scheduling and the readers' re-parking, and what a writer records per
    /// batch (<see cref="DeliveryRecorder.Delivered"/>), not the socket writes.
    /// </summary>
    /// <returns>Messages the readers drained.</returns>
    [Benchmark]
    [PerSubscriber]
    public int PublishToParkedReaders()
    {
        var target = Interlocked.Read(ref _readByParkedReaders) + Subscribers;
        _hub!.Deliver(GatewayMessage.Create(position: null, _draft));
        var spinner = default(SpinWait);
        while (Interlocked.Read(ref _readByParkedReaders) < target)
        {
            spinner.SpinOnce();
        }

        return Subscribers;
    }

    /// <summary>
    /// All a connection's writer adds per batch for the metrics (<see cref="DeliveryRecorder.Delivered"/>: the
    /// striped count, a look at the coarse clock and, at most every 10 ms, a histogram sample), with the meter
    /// collected by the OpenTelemetry SDK. (Runs for each <see cref="Subscribers"/> value, which it ignores.)
    /// </summary>
    [Benchmark]
    public void RecordBatch() => _deliveries!.Delivered(1, _encoded!.AcceptedAt);

    /// <summary>
    /// Encoding alone, once per publish whatever the subscriber count: the message, its id string,
    /// its WebSocket frame and its SSE frame, each made on first use as a writer would ask for it.
    /// (Runs for each <see cref="Subscribers"/> value, which it ignores.)
    /// </summary>
    /// <returns>The bytes encoded, so that the work cannot be elided.</returns>
    [Benchmark]
    public int Encode()
    {
        var message = GatewayMessage.Create(_position, _draft);
        return message.EncodedAs(WebSocketFrameEncoder.TextFormat).Length + message.EncodedAs(SseFrameEncoder.Format).Length;
    }

    private async Task ReadLoopAsync(SubscriberInbox inbox)
    {
        while (true)
        {
            await inbox.WaitAsync().ConfigureAwait(false);
            if (inbox.IsCompleted)
            {
                return;
            }

            // As the connections' writers do: count the batch, and record it once, for its oldest message.
            var read = 0;
            var oldestAcceptedAt = 0L;
            while (inbox.TryRead(out var message))
            {
                oldestAcceptedAt = read++ == 0 ? message.AcceptedAt : oldestAcceptedAt;
                _ = message.EncodedAs(WebSocketFrameEncoder.TextFormat);
            }

            if (read > 0)
            {
                _deliveries!.Delivered(read, oldestAcceptedAt);
            }

            Interlocked.Add(ref _readByParkedReaders, read);
        }
    }

    private int Drain()
    {
        var read = 0;
        foreach (var subscription in _subscriptions)
        {
            // As a writer does: each subscriber asks for the frame (encoded by the first, cached for the rest).
            while (subscription.Messages.TryRead(out var message))
            {
                _ = message.EncodedAs(WebSocketFrameEncoder.TextFormat);
                read++;
            }
        }

        return read;
    }

    /// <summary>The in-process backplane completes at once; a pending result would mean a changed code path.</summary>
    private static T Completed<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully
            ? pending.Result
            : throw new InvalidOperationException("The in-process backplane was expected to complete synchronously.");
}
