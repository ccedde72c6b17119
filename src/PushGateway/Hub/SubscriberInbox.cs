using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace PushGateway.Hub;

/// <summary>
/// One subscriber's bounded queue (its inbox): the hub writes without ever waiting (a full inbox
/// refuses), one connection loop reads. Waiting allocates nothing: the reader parks on a reusable
/// value-task source, and a wake-up is one thread-pool work item (this object), so that the reader's
/// loop never runs on the publisher's thread, inside the hub's lock. The inbox guards itself with a
/// spin lock on one of its own fields rather than a lock object: the critical sections are a few
/// instructions, and fan-out to many subscribers touches one object fewer per subscriber.
/// </summary>
internal sealed class SubscriberInbox : IValueTaskSource, IThreadPoolWorkItem
{
    private const int InitialSlots = 4;

    private readonly int _capacity;
    private int _locked;
    private ManualResetValueTaskSourceCore<bool> _wait;

    // A ring that grows on demand up to the capacity: an idle subscriber holds no slots.
    private GatewayMessage?[] _slots = [];
    private int _head;
    private int _count;
    private bool _completed;
    private bool _readerParked;
    private bool _wakePending;

    // The inbox whose reader drains this one too (a session's), woken for each message here; null when this inbox has its own reader.
    private SubscriberInbox? _wakes;

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
            Enter();
            var completed = _completed;
            Exit();
            return completed;
        }
    }

    /// <summary>Whether a message is waiting to be read.</summary>
    public bool HasMessages
    {
        get
        {
            Enter();
            var any = _count > 0;
            Exit();
            return any;
        }
    }

    public bool TryRead(out GatewayMessage message)
    {
        Enter();
        if (_count == 0)
        {
            Exit();
            message = null!;
            return false;
        }

        message = _slots[_head]!;
        _slots[_head] = null;
        _head = _head + 1 == _slots.Length ? 0 : _head + 1;
        _count--;
        Exit();
        return true;
    }

    /// <summary>
    /// Completes when a message is queued, the queue is completed, or <see cref="Wake"/> was called
    /// (also before this call); the reader then looks at why. One wait at a time.
    /// </summary>
    public ValueTask WaitAsync()
    {
        Enter();
        if (_count > 0 || _completed || _wakePending)
        {
            _wakePending = false;
            Exit();
            return ValueTask.CompletedTask;
        }

        _wait.Reset();
        _readerParked = true;
        var version = _wait.Version;
        Exit();
        return new ValueTask(this, version);
    }

    /// <summary>
    /// From now on, a message queued here wakes <paramref name="reader"/>'s reader instead (a session's inboxes share
    /// its one writer). Wakes it once now, for what was queued before.
    /// </summary>
    public void WakeOnWrite(SubscriberInbox reader)
    {
        Volatile.Write(ref _wakes, reader);
        reader.Wake();
    }

    /// <summary>Ends the reader's current or next wait without a message: for close requests and timers.</summary>
    public void Wake()
    {
        Enter();
        var release = ReleaseReaderLocked();
        _wakePending |= !release;
        Exit();
        Schedule(release);
    }

    /// <summary>Queues <paramref name="message"/> unless the queue is full or completed. Writers take turns (the hub's lock).</summary>
    internal bool TryWrite(GatewayMessage message)
    {
        Enter();
        if (_completed || _count == _capacity)
        {
            Exit();
            return false;
        }

        if (_count == _slots.Length)
        {
            // Allocation can throw only OutOfMemoryException, after which nothing is consistent anyway.
            Grow();
        }

        var tail = _head + _count;
        _slots[tail < _slots.Length ? tail : tail - _slots.Length] = message;
        _count++;
        var release = ReleaseReaderLocked();
        Exit();
        Schedule(release);
        Volatile.Read(ref _wakes)?.Wake();
        return true;
    }

    internal void Complete()
    {
        Enter();
        var release = !_completed && ReleaseReaderLocked();
        _completed = true;
        Exit();
        Schedule(release);
    }

    void IThreadPoolWorkItem.Execute() => _wait.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _locked, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        // Held only for a few instructions: spin briefly, then yield (at once on a single CPU) so a preempted holder can finish.
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce();
        }
        while (Interlocked.CompareExchange(ref _locked, 1, 0) != 0);
    }

    private void Exit() => Volatile.Write(ref _locked, 0);

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
