using PushGateway.Hub;
using PushGateway.Publishing;

namespace PushGateway.Backplanes;

/// <summary>
/// Where a message's position (<see cref="MessagePosition"/>) is decided, where history is kept, and how a message reaches every
/// node's hub. The in-process backplane serves one node; the Redis one makes several nodes one gateway.
/// </summary>
/// <remarks>
/// <para>
/// Lifecycle: the host calls <see cref="StartAsync"/> once, with this node's hub as the delivery target, and
/// <see cref="StopAsync"/> once when it stops. Before the start a publish may be refused as unavailable (not
/// connected yet), and nothing is delivered; after the stop, delivery ends.
/// </para>
/// <para>
/// Delivery: every message stored by any node is handed to each started node's <see cref="IDeliveryTarget"/>
/// exactly once, in position order, one at a time, this node included (a node that falls further behind
/// than the backplane keeps messages for loses the ones it no longer holds): a publisher's own subscribers get it
/// the same way as everyone else's. The backplane calls the hub; the hub never registers itself.
/// </para>
/// <para>
/// Failure: an operation that certainly did nothing throws <see cref="BackplaneUnavailableException"/> (answer
/// 503, close 1013); a publish the backplane may have stored without confirming it throws
/// <see cref="PublishOutcomeUnknownException"/> (answer 504): nothing is lost silently, and nothing is called
/// not done that may have been done. An outage never ends local delivery: the node keeps serving what it has,
/// and delivery catches up from where it stopped once the backplane is back.
/// </para>
/// </remarks>
internal interface IBackplane
{
    /// <summary>For metrics and health: <c>in-process</c> or <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>Health: true while publishes can be taken and delivery runs (always, in-process); false during an outage.</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Health, in words for an operator (<c>/readyz</c> shows it): where the backplane is and that it works, or why it
    /// does not (unreachable, credentials refused, commands it cannot run) and what to check.
    /// </summary>
    string Status { get; }

    /// <summary>Health: how far this node's delivery is behind the backplane; null when it cannot be behind (in-process).</summary>
    TimeSpan? DeliveryLag { get; }

    /// <summary>
    /// Starts delivering to <paramref name="target"/>, from the newest stored message on: what is stored from
    /// now on reaches it. Completes once the node is ready, or once an outage is known (then the backplane
    /// keeps trying, and <see cref="IsAvailable"/> says so).
    /// </summary>
    Task StartAsync(IDeliveryTarget target, CancellationToken cancellationToken);

    /// <summary>Stops delivery and the backplane's own background work (reports, retries).</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores the message and has it delivered to every node. Returns its position: later than every
    /// position returned before, on any node, so that positions compare across topics and nodes. Storing and handing
    /// on are one step: a message is in the history and on its way to every node, or in neither.
    /// </summary>
    /// <remarks>
    /// Idempotency: a draft with an <see cref="MessageDraft.IdempotencyKey"/> is checked against the keys of the
    /// publishes stored within <see cref="PublishOptions.IdempotencyWindow"/> (on every node, on a cluster) in the same
    /// step as it is stored, so that of concurrent publishes under one key exactly one is stored. A key not held: the
    /// draft is stored (<see cref="PublishOutcome.Published"/>) and the key remembered, with the draft's
    /// <see cref="PublishFingerprint"/> and position, for the window. The same key and fingerprint:
    /// <see cref="PublishOutcome.Replayed"/> with the first position, nothing stored or delivered. The same key and
    /// another fingerprint: <see cref="PublishOutcome.KeyReused"/>, nothing stored or delivered. A backplane may
    /// forget a key before the window ends only as documented (in-process: past <see cref="PublishOptions.MaxIdempotencyKeys"/>).
    /// A draft that carries its own id (<see cref="MessageDraft.EventId"/>) and repeats one stored within a
    /// backplane's deduplication window (Redis) may also be answered <see cref="PublishOutcome.Replayed"/>.
    /// A publish that throws <see cref="PublishOutcomeUnknownException"/> may have stored the key with the message: its
    /// retry under the same key is then a replay.
    /// </remarks>
    ValueTask<PublishResult> PublishAsync(MessageDraft draft, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes for this node's subscribers only (a node's own ticks). Where this node is the whole gateway,
    /// that is <see cref="PublishAsync"/>: the message gets a position and is kept. Where other nodes share
    /// the backplane it gets neither (they could never replay it) and goes straight to this node's target;
    /// the result is then null. Never throws for an outage in that case.
    /// </summary>
    ValueTask<MessagePosition?> PublishToThisNodeAsync(MessageDraft draft, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="name"/> for this node for <paramref name="hold"/>: true on exactly one of the
    /// nodes that claim the same name within that time (so a cluster-wide job runs once), always on one node.
    /// </summary>
    ValueTask<bool> TryClaimAsync(string name, TimeSpan hold, CancellationToken cancellationToken);

    /// <summary>
    /// For a subscriber resuming after <paramref name="lastEventId"/>: the position through which it has seen
    /// everything already, when this node's delivery may still bring some of that late (it can lag the node
    /// the client came from), so that live delivery skips it; null when nothing delivered live can be older
    /// than what the client saw (one node), or when the id is not a position (a publisher's own).
    /// </summary>
    MessagePosition? SeenThrough(string lastEventId);

    /// <summary>
    /// The held messages on <paramref name="topics"/> after <paramref name="lastEventId"/> (a position, or a
    /// publisher's own id), oldest first, up to and including <paramref name="upTo"/>: what a subscriber that
    /// joined when <paramref name="upTo"/> was the last delivered message must be replayed (null: nothing had
    /// been delivered to this node yet). <see cref="ResumeStatus.Gap"/> when some of what followed the id is
    /// no longer held, or the id cannot be placed (never issued, or from a history since lost).
    /// </summary>
    ValueTask<HistoryPage> ReadHistoryAsync(string lastEventId, MessagePosition? upTo, IReadOnlySet<string> topics, CancellationToken cancellationToken);

    /// <summary>
    /// Subscribers of <paramref name="topic"/> across all nodes (this node's are <paramref name="localSubscribers"/>;
    /// others' as last reported, a dead node's dropping out after a while), and the topic's newest held id.
    /// </summary>
    ValueTask<TopicPresence> GetPresenceAsync(string topic, int localSubscribers, CancellationToken cancellationToken);
}
