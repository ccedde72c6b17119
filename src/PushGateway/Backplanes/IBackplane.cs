using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>
/// Where ids are assigned and history is kept, and how a message reaches every node's hub.
/// The in-process backplane serves one node; the Redis one makes several nodes one gateway.
/// </summary>
/// <remarks>
/// Contract: every published message is delivered to each attached node's <see cref="IDeliveryTarget"/>
/// exactly once, in id order, this node included (so a publisher's own subscribers get it the same
/// way as everyone else's). A publish that certainly was not stored throws <see cref="BackplaneUnavailableException"/>;
/// one the backplane may have stored without confirming it throws <see cref="PublishOutcomeUnknownException"/>:
/// nothing is lost silently, and nothing is reported as not done when it may have been.
/// </remarks>
public interface IBackplane
{
    /// <summary>True when other nodes share this backplane.</summary>
    bool IsDistributed { get; }

    /// <summary>For metrics: <c>in-process</c> or <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>True while publishes can be taken and delivery runs (always, in-process).</summary>
    bool IsAvailable { get; }

    /// <summary>How far this node's delivery is behind the backplane; null when it cannot be behind (in-process).</summary>
    TimeSpan? DeliveryLag { get; }

    /// <summary>Connects the node's hub: from now on, messages are delivered to <paramref name="target"/>.</summary>
    void Attach(IDeliveryTarget target);

    /// <summary>Assigns the id, keeps the message in history, and has it delivered to every node.</summary>
    ValueTask<GatewayMessage> PublishAsync(MessageDraft draft, CancellationToken cancellationToken);

    /// <summary>
    /// The held messages on <paramref name="topics"/> after <paramref name="lastEventId"/> (a backplane id,
    /// or a publisher's own), up to and including <paramref name="upTo"/>: what a subscriber that joined
    /// when <paramref name="upTo"/> was the last delivered message must be replayed (null: nothing had
    /// been delivered to this node yet).
    /// </summary>
    ValueTask<HistoryPage> ReadHistoryAsync(string lastEventId, MessageId? upTo, IReadOnlySet<string> topics, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="name"/> for this node for <paramref name="hold"/>: true on exactly one of the
    /// nodes that claim the same name within that time (so a cluster-wide job runs once), always on one node.
    /// </summary>
    ValueTask<bool> TryClaimAsync(string name, TimeSpan hold, CancellationToken cancellationToken);

    /// <summary>Subscribers of <paramref name="topic"/> across all nodes, and its newest held id.</summary>
    ValueTask<TopicPresence> GetPresenceAsync(string topic, int localSubscribers, CancellationToken cancellationToken);
}
