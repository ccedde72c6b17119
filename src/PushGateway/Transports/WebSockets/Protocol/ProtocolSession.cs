namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// What a sub-protocol socket's two sides share: its topic subscriptions and the answers owed to the client. The
/// inbound side changes them; the connection's one writer (<see cref="ProtocolConnection"/>) takes them, woken
/// through the session's inbox, which each subscription's inbox wakes too. An answer is queued together with the
/// change it reports, so the writer sends a <c>subscribed</c> before anything of its subscription, and an
/// <c>unsubscribed</c> after the last of it.
/// </summary>
internal sealed class ProtocolSession(Hub.SubscriberInbox signal) : IDisposable
{
    private readonly Lock _gate = new();
    private List<ReadOnlyMemory<byte>> _answers = [];
    private List<ReadOnlyMemory<byte>> _taken = [];

    // Copied on change, read by the writer without the lock.
    private TopicSubscription[] _subscriptions = [];
    private bool _disposed;

    /// <summary>The subscriptions now, for the writer.</summary>
    public TopicSubscription[] Subscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>Queues an answer for the writer, and wakes it.</summary>
    public void Answer(ReadOnlyMemory<byte> frame)
    {
        lock (_gate)
        {
            _answers.Add(frame);
        }

        signal.Wake();
    }

    /// <summary>Adds subscriptions with their <c>subscribed</c> answers; the writer sends their replay, then what arrives live.</summary>
    public void Add(IReadOnlyList<TopicSubscription> added, Func<TopicSubscription, ReadOnlyMemory<byte>> answer)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                // The connection ended meanwhile: nobody will write or dispose them.
                foreach (var subscription in added)
                {
                    subscription.Dispose();
                }

                return;
            }

            foreach (var subscription in added)
            {
                _answers.Add(answer(subscription));
            }

            _subscriptions = [.. _subscriptions, .. added];
        }

        foreach (var subscription in added)
        {
            subscription.Subscription.Messages.WakeOnWrite(signal);
        }
    }

    /// <summary>Ends subscriptions, with their <c>unsubscribed</c> answers: what the writer sends of them from now on comes first.</summary>
    public void Remove(IReadOnlyList<TopicSubscription> removed, Func<TopicSubscription, ReadOnlyMemory<byte>> answer)
    {
        lock (_gate)
        {
            foreach (var subscription in removed)
            {
                _answers.Add(answer(subscription));
            }

            _subscriptions = [.. _subscriptions.Except(removed)];
        }

        foreach (var subscription in removed)
        {
            subscription.Dispose();
        }

        signal.Wake();
    }

    /// <summary>
    /// For the writer: the answers queued so far (valid until the next call), and the subscriptions as they were when
    /// the last of them was queued.
    /// </summary>
    public (List<ReadOnlyMemory<byte>> Answers, TopicSubscription[] Subscriptions) Take()
    {
        lock (_gate)
        {
            _taken.Clear();
            (_answers, _taken) = (_taken, _answers);
            return (_taken, _subscriptions);
        }
    }

    public void Dispose()
    {
        TopicSubscription[] open;
        lock (_gate)
        {
            _disposed = true;
            open = _subscriptions;
            _subscriptions = [];
        }

        foreach (var subscription in open)
        {
            subscription.Dispose();
        }
    }
}
