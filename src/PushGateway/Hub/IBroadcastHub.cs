namespace PushGateway.Hub;

/// <summary>
/// Fans messages out to subscribers. Publishing never waits for a subscriber: each has a bounded
/// queue, and one whose queue is full is dropped (its subscription closed as
/// <see cref="SubscriptionCloseReason.SlowConsumer"/>) while everyone else carries on.
/// </summary>
public interface IBroadcastHub
{
    /// <summary>Subscriptions currently open.</summary>
    int SubscriberCount { get; }

    /// <summary>Messages published since the hub started.</summary>
    long PublishedCount { get; }

    /// <summary>
    /// Assigns the next id, keeps the message in history and offers it, once, to every subscriber of
    /// any of its topics. Messages reach each subscriber in id order.
    /// </summary>
    GatewayMessage Publish(MessageDraft draft);

    /// <summary>
    /// Opens a subscription to <paramref name="topics"/>. With <paramref name="lastEventId"/>, the held
    /// messages after it come first in <see cref="Subscription.Replay"/>, atomically with going live,
    /// so that nothing is lost or duplicated between the two.
    /// </summary>
    Subscription Subscribe(IReadOnlySet<string> topics, string? lastEventId, string transport);

    /// <summary>Subscribers of <paramref name="topic"/> and its newest held id.</summary>
    TopicPresence GetPresence(string topic);

    /// <summary>Closes every subscription, and every later one at once, with <paramref name="reason"/>.</summary>
    void CloseAll(SubscriptionCloseReason reason);
}
