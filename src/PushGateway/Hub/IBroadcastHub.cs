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

    /// <summary>
    /// Assigns the next id, keeps the message in history and offers it to every subscriber of
    /// <paramref name="topic"/>. Messages reach each subscriber in id order.
    /// </summary>
    GatewayMessage Publish(string topic, string eventType, string data);

    /// <summary>
    /// Opens a subscription to <paramref name="topics"/>. With <paramref name="lastSeen"/>, the held
    /// messages after it come first in <see cref="Subscription.Replay"/>, atomically with going live,
    /// so that nothing is lost or duplicated between the two.
    /// </summary>
    Subscription Subscribe(IReadOnlySet<string> topics, MessageId? lastSeen, string transport);

    /// <summary>Closes every subscription, and every later one at once, with <paramref name="reason"/>.</summary>
    void CloseAll(SubscriptionCloseReason reason);
}
