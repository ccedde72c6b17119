namespace PushGateway.Hub;

/// <summary>
/// A node's fan-out to its subscribers. Publishing goes through the backplane, which assigns the id
/// and delivers the message to every node's hub; a hub never waits for a subscriber: each has a
/// bounded queue, and one whose queue is full is dropped (its subscription closed as
/// <see cref="SubscriptionCloseReason.SlowConsumer"/>) while everyone else carries on.
/// </summary>
internal interface IBroadcastHub
{
    /// <summary>Subscriptions open on this node.</summary>
    int SubscriberCount { get; }

    /// <summary>Messages delivered to this node since it started (all nodes' publishes, on a cluster).</summary>
    long PublishedCount { get; }

    /// <summary>
    /// Publishes through the backplane and returns the message's position (what clients see as its
    /// id is <see cref="MessageDraft.EventIdAt"/>) and whether it is new, a replay of an earlier publish under the same
    /// idempotency key, or refused because that key stands for another request (<see cref="Backplanes.IBackplane.PublishAsync"/>);
    /// subscribers of any of its topics on every node receive a new one once, in position order. Throws
    /// <see cref="Backplanes.BackplaneUnavailableException"/> when it certainly was not stored, and
    /// <see cref="Backplanes.PublishOutcomeUnknownException"/> when it may have been (and delivered).
    /// </summary>
    ValueTask<PublishResult> PublishAsync(MessageDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes for this node's subscribers only (its own ticks), as the backplane says: with a position and
    /// history when this node is the whole gateway, else without either (<see cref="Backplanes.IBackplane.PublishToThisNodeAsync"/>).
    /// </summary>
    ValueTask PublishToThisNodeAsync(MessageDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a subscription to <paramref name="topics"/>. With <paramref name="lastEventId"/>, the held
    /// messages after it come first in <see cref="Subscription.Replay"/>, and live delivery continues
    /// exactly where they end, so that nothing is lost or duplicated between the two.
    /// </summary>
    ValueTask<Subscription> SubscribeAsync(
        IReadOnlySet<string> topics, string? lastEventId, string transport, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a session: a subscription to no topic, for a connection that subscribes as it goes (the WebSocket
    /// sub-protocol). Its inbox carries no messages: the connection's own subscriptions wake its reader
    /// (<see cref="SubscriberInbox.WakeOnWrite"/>). It is closed with the others on shutdown
    /// (<see cref="StopAdmitting"/>), so that a connection subscribed to nothing yet is drained too; it is not
    /// counted in <see cref="SubscriberCount"/>.
    /// </summary>
    Subscription OpenSession(string transport);

    /// <summary>Subscribers of <paramref name="topic"/> (on every node, on a cluster) and its newest held id.</summary>
    ValueTask<TopicPresence> GetPresenceAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes every later subscription at once with <paramref name="reason"/>, and returns those open now, still
    /// subscribed and receiving: the caller closes them (<see cref="Close"/>) when it chooses, as a paced drain does.
    /// </summary>
    IReadOnlyList<Subscription> StopAdmitting(SubscriptionCloseReason reason);

    /// <summary>
    /// Ends <paramref name="subscriptions"/> with <paramref name="reason"/>: they are offered no more messages, and
    /// their connections still read what was queued before.
    /// </summary>
    void Close(IEnumerable<Subscription> subscriptions, SubscriptionCloseReason reason);
}
