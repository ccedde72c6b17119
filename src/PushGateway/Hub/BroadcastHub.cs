using Microsoft.Extensions.Options;
using PushGateway.Observability;

namespace PushGateway.Hub;

/// <summary>
/// The in-process hub. One lock orders publishing (id, history, fan-out) against subscribing
/// (replay, joining), which is what makes resume exact; inside it, fan-out is only
/// <c>TryWrite</c> on bounded queues, so it never waits for a subscriber.
/// </summary>
internal sealed partial class BroadcastHub : IBroadcastHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Subscription[]> _subscribersByTopic = new(StringComparer.Ordinal);
    private readonly MessageHistory _history;
    private readonly HubOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<BroadcastHub> _logger;
    private readonly long _epoch;
    private long _sequence;
    private long _lastSubscriptionId;
    private int _subscriberCount;
    private SubscriptionCloseReason? _closedFor;

    public BroadcastHub(IOptions<HubOptions> options, TimeProvider timeProvider, GatewayMetrics metrics, ILogger<BroadcastHub> logger)
    {
        _options = options.Value;
        _history = new MessageHistory(_options.HistorySize);
        _metrics = metrics;
        _logger = logger;
        _epoch = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public int SubscriberCount => Volatile.Read(ref _subscriberCount);

    public long PublishedCount => Interlocked.Read(ref _sequence);

    public GatewayMessage Publish(MessageDraft draft)
    {
        ArgumentOutOfRangeException.ThrowIfZero(draft.Topics.Count);
        GatewayMessage message;
        List<Subscription>? slow = null;
        lock (_gate)
        {
            message = GatewayMessage.Create(new MessageId(_epoch, ++_sequence), draft);
            _history.Append(message);
            // A subscriber of several of the message's topics must get it once: only then is a set needed.
            HashSet<Subscription>? offered = draft.Topics.Count > 1 ? [] : null;
            foreach (var topic in draft.Topics)
            {
                if (!_subscribersByTopic.TryGetValue(topic, out var subscribers))
                {
                    continue;
                }

                foreach (var subscriber in subscribers)
                {
                    if ((offered is null || offered.Add(subscriber)) && !subscriber.TryDeliver(message))
                    {
                        (slow ??= []).Add(subscriber);
                    }
                }
            }

            if (slow is not null)
            {
                foreach (var subscriber in slow)
                {
                    RemoveLocked(subscriber);
                }
            }
        }

        _metrics.MessagePublished();
        if (slow is not null)
        {
            // Closing wakes the connections' loops: done outside the lock, after the message went out.
            foreach (var subscriber in slow)
            {
                LogSlowSubscriberDropped(subscriber.Id, subscriber.Transport, _options.SubscriberQueueCapacity);
                _metrics.SubscriberDropped(subscriber.Transport);
                subscriber.Close(SubscriptionCloseReason.SlowConsumer);
            }
        }

        return message;
    }

    public TopicPresence GetPresence(string topic)
    {
        lock (_gate)
        {
            return new TopicPresence(
                _subscribersByTopic.TryGetValue(topic, out var subscribers) ? subscribers.Length : 0,
                _history.NewestOn(topic)?.EventId);
        }
    }

    public Subscription Subscribe(IReadOnlySet<string> topics, string? lastEventId, string transport)
    {
        ArgumentOutOfRangeException.ThrowIfZero(topics.Count);
        var subscription = new Subscription(
            Interlocked.Increment(ref _lastSubscriptionId), transport, topics, _options.SubscriberQueueCapacity, Unsubscribe);

        SubscriptionCloseReason? closedFor;
        lock (_gate)
        {
            closedFor = _closedFor;
            if (closedFor is null)
            {
                if (lastEventId is not null)
                {
                    (subscription.Replay, subscription.ResumeStatus) = _history.After(lastEventId, topics, new MessageId(_epoch, _sequence));
                }

                foreach (var topic in topics)
                {
                    _subscribersByTopic[topic] = _subscribersByTopic.TryGetValue(topic, out var existing)
                        ? [.. existing, subscription]
                        : [subscription];
                }

                _subscriberCount++;
            }
        }

        if (closedFor is { } reason)
        {
            subscription.Close(reason);
        }

        return subscription;
    }

    public void CloseAll(SubscriptionCloseReason reason)
    {
        List<Subscription> all;
        lock (_gate)
        {
            _closedFor ??= reason;
            all = [.. _subscribersByTopic.Values.SelectMany(subscribers => subscribers).Distinct()];
            _subscribersByTopic.Clear();
            _subscriberCount = 0;
        }

        foreach (var subscription in all)
        {
            subscription.Close(reason);
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            RemoveLocked(subscription);
        }
    }

    private void RemoveLocked(Subscription subscription)
    {
        var removed = false;
        foreach (var topic in subscription.Topics)
        {
            if (!_subscribersByTopic.TryGetValue(topic, out var subscribers) || Array.IndexOf(subscribers, subscription) < 0)
            {
                continue;
            }

            removed = true;
            if (subscribers.Length == 1)
            {
                _subscribersByTopic.Remove(topic);
            }
            else
            {
                _subscribersByTopic[topic] = [.. subscribers.Where(s => s != subscription)];
            }
        }

        if (removed)
        {
            _subscriberCount--;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Dropped slow subscriber {SubscriptionId} ({Transport}): its queue of {QueueCapacity} messages was full")]
    private partial void LogSlowSubscriberDropped(long subscriptionId, string transport, int queueCapacity);
}
