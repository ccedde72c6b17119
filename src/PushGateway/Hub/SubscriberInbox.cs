using System.Threading.Tasks.Sources;

namespace PushGateway.Hub;

/// <summary>
/// One subscriber's bounded queue (its inbox): the hub writes without ever waiting (a full queue refuses), one
/// connection loop reads. Waiting allocates nothing: the reader parks on a reusable value-task
/// source, and a wake-up is one thread-pool work item (this object), so that the reader's loop never
/// runs on the publisher's thread, inside the hub's lock.
/// </summary>
public sealed class SubscriberInbox : IValueTaskSource, IThreadPoolWorkItem
{
    private const int InitialSlots = 4;

    private readonly Lock _lock = new();
    private readonly int _capacity;
    private ManualResetValueTaskSourceCore<bool> _wait;

    // A ring that grows on demand up to the capacity: an idle subscriber holds no slots.
    private GatewayMessage?[] _slots = [];
    private int _head;
    private int _count;
    private bool _completed;
    private bool _readerParked;
    private bool _wakePending;

    internal SubscriberInbox(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>No more messages will be written; the reader can still take what is queued.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_lock)
            {
                return _completed;
            }
        }
    }

    public bool TryRead(out GatewayMessage message)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                message = null!;
                return false;
            }

            message = _slots[_head]!;
            _slots[_head] = null;
            _head = _head + 1 == _slots.Length ? 0 : _head + 1;
            _count--;
            return true;
        }
    }

    /// <summary>
    /// Completes when a message is queued, the queue is completed, or <see cref="Wake"/> was called
    /// (also before this call); the reader then looks at why. One wait at a time.
    /// </summary>
    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_count > 0 || _completed || _wakePending)
            {
                _wakePending = false;
                return ValueTask.CompletedTask;
            }

            _wait.Reset();
            _readerParked = true;
            return new ValueTask(this, _wait.Version);
        }
    }

    /// <summary>Ends the reader's current or next wait without a message: for close requests and timers.</summary>
    public void Wake()
    {
        bool release;
        lock (_lock)
        {
            release = ReleaseReaderLocked();
            _wakePending |= !release;
        }

        Schedule(release);
    }

    /// <summary>Queues <paramref name="message"/> unless the queue is full or completed. Writers take turns (the hub's lock).</summary>
    internal bool TryWrite(GatewayMessage message)
    {
        bool release;
        lock (_lock)
        {
            if (_completed || _count == _capacity)
            {
                return false;
            }

            if (_count == _slots.Length)
            {
                Grow();
            }

            var tail = _head + _count;
            _slots[tail < _slots.Length ? tail : tail - _slots.Length] = message;
            _count++;
            release = ReleaseReaderLocked();
        }

        Schedule(release);
        return true;
    }

    internal void Complete()
    {
        bool release;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            release = ReleaseReaderLocked();
        }

        Schedule(release);
    }

    void IThreadPoolWorkItem.Execute() => _wait.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    private bool ReleaseReaderLocked()
    {
        if (!_readerParked)
        {
            return false;
        }

        _readerParked = false;
        return true;
    }

    private void Schedule(bool release)
    {
        if (release)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private void Grow()
    {
        var grown = new GatewayMessage?[Math.Min(_capacity, Math.Max(InitialSlots, _slots.Length * 2))];
        for (var i = 0; i < _count; i++)
        {
            var index = _head + i;
            grown[i] = _slots[index < _slots.Length ? index : index - _slots.Length];
        }

        _slots = grown;
        _head = 0;
    }
}
