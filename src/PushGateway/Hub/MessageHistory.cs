namespace PushGateway.Hub;

/// <summary>
/// A ring buffer of the most recent messages of all topics, in id order. Not thread-safe: the hub
/// uses it under its lock, which is also what keeps it in id order.
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
    /// The held messages on <paramref name="topics"/> that follow <paramref name="lastSeen"/>.
    /// </summary>
    /// <param name="lastSeen">The last id the client saw.</param>
    /// <param name="topics">The subscription's topics.</param>
    /// <param name="current">The epoch and sequence of the newest id assigned so far.</param>
    public (List<GatewayMessage> Messages, ResumeStatus Status) After(MessageId lastSeen, IReadOnlySet<string> topics, MessageId current)
    {
        var messages = new List<GatewayMessage>();
        // An id from another epoch, or one not issued yet, cannot be placed: all that is held is new to the client.
        var known = lastSeen.Epoch == current.Epoch && lastSeen.Sequence <= current.Sequence;
        var oldestHeld = _count == 0 ? current.Sequence + 1 : _ring[(_next - _count + _ring.Length) % _ring.Length].Id.Sequence;
        var complete = known && lastSeen.Sequence >= oldestHeld - 1;

        for (var i = 0; i < _count; i++)
        {
            var message = _ring[(_next - _count + i + _ring.Length) % _ring.Length];
            if ((!known || message.Id.Sequence > lastSeen.Sequence) && topics.Contains(message.Topic))
            {
                messages.Add(message);
            }
        }

        return (messages, complete ? ResumeStatus.Complete : ResumeStatus.Gap);
    }
}
