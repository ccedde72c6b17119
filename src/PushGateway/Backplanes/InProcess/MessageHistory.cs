using PushGateway.Hub;

namespace PushGateway.Backplanes.InProcess;

/// <summary>
/// A ring buffer of the most recent messages of all topics, in id order. Not thread-safe: the in-process
/// backplane uses it under the lock in which it assigns ids, which is also what keeps it in id order.
/// </summary>
internal sealed class MessageHistory(int capacity)
{
    private readonly GatewayMessage[] _ring = new GatewayMessage[capacity];
    private int _next;
    private int _count;

    public void Append(GatewayMessage message)
    {
        if (_ring.Length == 0)
        {
            return;
        }

        _ring[_next] = message;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    /// <summary>
    /// The held messages on <paramref name="topics"/> that follow the one the client saw last, up to
    /// and including <paramref name="upTo"/> (later ones reach the subscriber live).
    /// </summary>
    /// <param name="lastEventId">The client's last id: one the hub assigned, or a publisher's own.</param>
    /// <param name="topics">The subscription's topics.</param>
    /// <param name="upTo">The last message delivered when the subscriber joined.</param>
    public HistoryPage After(string lastEventId, IReadOnlySet<string> topics, MessagePosition upTo)
    {
        // Where the client stands, as a sequence of this process; null when its id cannot be placed
        // (another epoch, not issued yet, or a publisher's id no longer held): then all held is new to it.
        long? lastSeen = MessagePosition.TryParse(lastEventId, out var position)
            ? position.Value.Epoch == upTo.Epoch && position.Value.Sequence <= upTo.Sequence ? position.Value.Sequence : null
            : FindNewest(lastEventId)?.Position!.Value.Sequence;
        var oldestHeld = _count == 0 ? upTo.Sequence + 1 : At(0).Position!.Value.Sequence;
        var complete = lastSeen >= oldestHeld - 1;

        var messages = new List<GatewayMessage>();
        for (var i = 0; i < _count; i++)
        {
            var message = At(i);
            var sequence = message.Position!.Value.Sequence;
            if ((lastSeen is null || sequence > lastSeen) && sequence <= upTo.Sequence && message.IsOnAnyOf(topics))
            {
                messages.Add(message);
            }
        }

        return new HistoryPage(messages, complete ? ResumeStatus.Complete : ResumeStatus.Gap);
    }

    /// <summary>The newest held message on <paramref name="topic"/>.</summary>
    public GatewayMessage? NewestOn(string topic)
    {
        for (var i = _count - 1; i >= 0; i--)
        {
            var message = At(i);
            if (message.Topics.Contains(topic))
            {
                return message;
            }
        }

        return null;
    }

    private GatewayMessage? FindNewest(string eventId)
    {
        for (var i = _count - 1; i >= 0; i--)
        {
            if (At(i).EventId == eventId)
            {
                return At(i);
            }
        }

        return null;
    }

    /// <summary>The i-th held message, oldest first.</summary>
    private GatewayMessage At(int i) => _ring[(_next - _count + i + _ring.Length) % _ring.Length];
}
