using Microsoft.Extensions.Options;
using PushGateway.Hub;
using PushGateway.Publishing;

namespace PushGateway.Backplanes.InProcess;

/// <summary>
/// One node, no setup: ids are <c>{start epoch}-{sequence}</c>, history is a ring buffer, and delivery
/// is a call. One lock orders id, history and delivery, so subscribers see messages in id order, and makes the
/// check of a publish's idempotency key and its storing one step.
/// </summary>
internal sealed class InProcessBackplane : IBackplane
{
    private readonly Lock _gate = new();
    private readonly MessageHistory _history;
    private readonly IdempotencyKeyStore _keys;
    private readonly long _epoch;
    private long _sequence;
    private IDeliveryTarget? _target;

    public InProcessBackplane(IOptions<HubOptions> options, IOptions<PublishOptions> publishing, TimeProvider timeProvider)
    {
        _history = new MessageHistory(options.Value.HistorySize);
        _keys = new IdempotencyKeyStore(publishing.Value, timeProvider);
        _epoch = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public string Name => "in-process";

    public bool IsAvailable => true;

    public string Status => "in-process backplane available";

    /// <summary>Delivery is part of the publish: never behind.</summary>
    public TimeSpan? DeliveryLag => null;

    public Task StartAsync(IDeliveryTarget target, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _target = target;
        }

        return Task.CompletedTask;
    }

    /// <summary>Nothing runs in the background; the node delivers its own publishes to the end (a drain's last ones included).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask<PublishResult> PublishAsync(MessageDraft draft, CancellationToken cancellationToken)
    {
        // Hashed outside the lock: the data may be large.
        var keyed = KeyedPublish.For(draft);
        lock (_gate)
        {
            if (keyed is not null && _keys.Find(keyed) is { } earlier)
            {
                return ValueTask.FromResult(earlier);
            }

            var position = new MessagePosition(_epoch, ++_sequence);
            var message = GatewayMessage.Create(position, draft);
            _history.Append(message);
            _target?.Deliver(message);
            if (keyed is not null)
            {
                _keys.Add(keyed, position);
            }

            return ValueTask.FromResult(new PublishResult(position, PublishOutcome.Published));
        }
    }

    /// <summary>This node is the whole gateway: its own messages get a position and are kept like any other.</summary>
    public async ValueTask<MessagePosition?> PublishToThisNodeAsync(MessageDraft draft, CancellationToken cancellationToken) =>
        (await PublishAsync(draft, cancellationToken).ConfigureAwait(false)).Position;

    /// <summary>One node: every claim is its own.</summary>
    public ValueTask<bool> TryClaimAsync(string name, TimeSpan hold, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>Delivery is part of the publish: nothing can arrive late.</summary>
    public MessagePosition? SeenThrough(string lastEventId) => null;

    public ValueTask<HistoryPage> ReadHistoryAsync(string lastEventId, MessagePosition? upTo, IReadOnlySet<string> topics, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_history.After(lastEventId, topics, upTo ?? new MessagePosition(_epoch, 0)));
        }
    }

    public ValueTask<TopicPresence> GetPresenceAsync(string topic, int localSubscribers, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(new TopicPresence(localSubscribers, _history.NewestOn(topic)?.EventId));
        }
    }
}
