using System.Collections.Frozen;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using PushGateway.Backplanes;
using PushGateway.Observability;

namespace PushGateway.Hub;

/// <summary>
/// A node's subscribers by topic. One lock orders delivery (fan-out, the last delivered id) against
/// joining (which records where live delivery starts for the subscriber, so its replay can end
/// exactly there); inside it, fan-out is only <c>TryWrite</c> on bounded queues, never a wait.
/// </summary>
internal sealed partial class BroadcastHub : IBroadcastHub, IDeliveryTarget
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SubscriberList> _subscribersByTopic = new(StringComparer.Ordinal);
    private readonly HashSet<Subscription> _sessions = [];
    private readonly IBackplane _backplane;
    private readonly HubOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<BroadcastHub> _logger;
    private MessagePosition? _lastDelivered;
    private long _delivered;
    private long _lastSubscriptionId;
    private long _fanOuts;
    private int _subscriberCount;
    private SubscriptionCloseReason? _closedFor;

    public BroadcastHub(IBackplane backplane, IOptions<HubOptions> options, GatewayMetrics metrics, ILogger<BroadcastHub> logger)
    {
        _backplane = backplane;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        metrics.ObserveBackplane(backplane);
    }

    public int SubscriberCount => Volatile.Read(ref _subscriberCount);

    public long PublishedCount => Interlocked.Read(ref _delivered);

    public ValueTask<PublishResult> PublishAsync(MessageDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(draft.Topics.Count);
        var startedAt = Stopwatch.GetTimestamp();
        var publishing = _backplane.PublishAsync(draft, cancellationToken);
        if (publishing.IsCompletedSuccessfully)
        {
            // In-process: done already, without an async state machine.
            _metrics.BackplanePublished(_backplane.Name, startedAt);
            return publishing;
        }

        return AwaitPublishAsync(publishing, startedAt);
    }

    public async ValueTask PublishToThisNodeAsync(MessageDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(draft.Topics.Count);
        var startedAt = Stopwatch.GetTimestamp();
        if (await _backplane.PublishToThisNodeAsync(draft, cancellationToken).ConfigureAwait(false) is not null)
        {
            // It went through the backplane (one node): timed like any publish.
            _metrics.BackplanePublished(_backplane.Name, startedAt);
        }
    }

    public void Deliver(GatewayMessage message) => FanOut(message);

    public IReadOnlyDictionary<string, int> SubscriberCounts()
    {
        lock (_gate)
        {
            return _subscribersByTopic.ToDictionary(pair => pair.Key, pair => pair.Value.Count, StringComparer.Ordinal);
        }
    }

    public async ValueTask<Subscription> SubscribeAsync(
        IReadOnlySet<string> topics, string? lastEventId, string transport, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(topics.Count);
        var subscription = new Subscription(
            Interlocked.Increment(ref _lastSubscriptionId), transport, topics, _options.SubscriberQueueCapacity, Unsubscribe);
        if (lastEventId is not null && _backplane.SeenThrough(lastEventId) is { } lastSeen)
        {
            // This node may lag behind the one the client came from: what it delivers late, the client already has.
            subscription.SkipThrough = lastSeen;
        }

        SubscriptionCloseReason? closedFor;
        MessagePosition? joinedAfter;
        lock (_gate)
        {
            closedFor = _closedFor;
            joinedAfter = _lastDelivered;
            if (closedFor is null)
            {
                foreach (var topic in topics)
                {
                    if (!_subscribersByTopic.TryGetValue(topic, out var subscribers))
                    {
                        _subscribersByTopic[topic] = subscribers = new SubscriberList();
                    }

                    subscribers.Add(subscription);
                }

                _subscriberCount++;
            }
        }

        if (closedFor is { } reason)
        {
            subscription.Close(reason);
            return subscription;
        }

        if (lastEventId is not null)
        {
            try
            {
                // Everything after joinedAfter is already queued live: the replay ends there.
                var page = await _backplane.ReadHistoryAsync(lastEventId, joinedAfter, topics, cancellationToken).ConfigureAwait(false);
                (subscription.Replay, subscription.ResumeStatus) = (page.Messages, page.Status);
                _metrics.Resumed(transport, page.Status == ResumeStatus.Complete, page.Messages.Count);
                if (page.Status == ResumeStatus.Gap && subscription.SkipThrough is not null)
                {
                    // Told of its gap, the client gets everything live: an id never issued must not hold
                    // back every message up to it. (Only a node lagging by more than a topic's history
                    // could then repeat, live, a few messages the client saw elsewhere.)
                    lock (_gate)
                    {
                        subscription.SkipThrough = null;
                    }
                }
            }
            catch
            {
                subscription.Dispose();
                throw;
            }
        }

        return subscription;
    }

    public Subscription OpenSession(string transport)
    {
        var session = new Subscription(
            Interlocked.Increment(ref _lastSubscriptionId), transport, FrozenSet<string>.Empty, queueCapacity: 1, Unsubscribe);
        SubscriptionCloseReason? closedFor;
        lock (_gate)
        {
            closedFor = _closedFor;
            if (closedFor is null)
            {
                _sessions.Add(session);
            }
        }

        if (closedFor is { } reason)
        {
            session.Close(reason);
        }

        return session;
    }

    public ValueTask<TopicPresence> GetPresenceAsync(string topic, CancellationToken cancellationToken = default)
    {
        int local;
        lock (_gate)
        {
            local = _subscribersByTopic.TryGetValue(topic, out var subscribers) ? subscribers.Count : 0;
        }

        return _backplane.GetPresenceAsync(topic, local, cancellationToken);
    }

    public IReadOnlyList<Subscription> StopAdmitting(SubscriptionCloseReason reason)
    {
        lock (_gate)
        {
            _closedFor ??= reason;
            return [.. _subscribersByTopic.Values.SelectMany(subscribers => subscribers.Items.ToArray()).Concat(_sessions).Distinct()];
        }
    }

    public void Close(IEnumerable<Subscription> subscriptions, SubscriptionCloseReason reason)
    {
        var closing = subscriptions as IReadOnlyCollection<Subscription> ?? [.. subscriptions];
        // Out of the fan-out first: a completed queue would refuse the next message, and look like a slow subscriber.
        lock (_gate)
        {
            foreach (var subscription in closing)
            {
                RemoveLocked(subscription);
            }
        }

        foreach (var subscription in closing)
        {
            subscription.Close(reason);
        }
    }

    private void FanOut(GatewayMessage message)
    {
        List<Subscription>? slow = null;
        lock (_gate)
        {
            if (message.Position is { } position)
            {
                _lastDelivered = position;
                _delivered++;
            }

            // A subscriber of several of the message's topics must get it once: the fan-out's stamp marks who had it.
            var topics = message.Topics;
            var stamp = topics.Count > 1 ? ++_fanOuts : 0;
            for (var t = 0; t < topics.Count; t++)
            {
                if (!_subscribersByTopic.TryGetValue(topics[t], out var subscribers))
                {
                    continue;
                }

                foreach (var subscriber in subscribers.Items)
                {
                    if (stamp != 0)
                    {
                        if (subscriber.LastFanOut == stamp)
                        {
                            continue;
                        }

                        subscriber.LastFanOut = stamp;
                    }

                    if (!subscriber.TryDeliver(message))
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
    }

    private async ValueTask<PublishResult> AwaitPublishAsync(ValueTask<PublishResult> publishing, long startedAt)
    {
        try
        {
            var result = await publishing.ConfigureAwait(false);
            _metrics.BackplanePublished(_backplane.Name, startedAt);
            return result;
        }
        catch (BackplaneUnavailableException)
        {
            _metrics.BackplanePublished(_backplane.Name, startedAt, "unavailable");
            throw;
        }
        catch (PublishOutcomeUnknownException)
        {
            _metrics.BackplanePublished(_backplane.Name, startedAt, "outcome_unknown");
            throw;
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
        if (subscription.Topics.Count == 0)
        {
            // A session: not a subscriber of anything itself.
            _sessions.Remove(subscription);
            return;
        }

        var removed = false;
        foreach (var topic in subscription.Topics)
        {
            if (!_subscribersByTopic.TryGetValue(topic, out var subscribers) || !subscribers.Remove(subscription))
            {
                continue;
            }

            removed = true;
            if (subscribers.Count == 0)
            {
                _subscribersByTopic.Remove(topic);
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
