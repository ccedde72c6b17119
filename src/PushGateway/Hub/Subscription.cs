namespace PushGateway.Hub;

/// <summary>
/// One subscriber's place in the hub: a bounded queue that the hub fills without ever waiting, and
/// that the connection's own writer loop drains. Dispose it when the connection ends.
/// </summary>
internal sealed class Subscription : IDisposable
{
    private readonly SubscriberInbox _queue;
    private readonly CancellationTokenSource _closed = new();
    private readonly Action<Subscription> _unsubscribe;
    private int _closeReason = -1;

    internal Subscription(
        long id,
        string transport,
        IReadOnlySet<string> topics,
        int queueCapacity,
        Action<Subscription> unsubscribe)
    {
        Id = id;
        Transport = transport;
        Topics = topics;
        _unsubscribe = unsubscribe;
        _queue = new SubscriberInbox(queueCapacity);
    }

    public long Id { get; }

    /// <summary>A label for logs and metrics: <c>ws</c> or <c>sse</c>.</summary>
    public string Transport { get; }

    public IReadOnlySet<string> Topics { get; }

    /// <summary>Held messages the client missed, to be written before anything from <see cref="Messages"/>.</summary>
    public IReadOnlyList<GatewayMessage> Replay { get; internal set; } = [];

    public ResumeStatus ResumeStatus { get; internal set; }

    /// <summary>Live messages, in id order, following <see cref="Replay"/> without gap or overlap.</summary>
    public SubscriberInbox Messages => _queue;

    /// <summary>Cancelled when the hub ends the subscription; <see cref="CloseReason"/> then says why.</summary>
    public CancellationToken Closed => _closed.Token;

    public SubscriptionCloseReason? CloseReason =>
        Volatile.Read(ref _closeReason) is var reason and >= 0 ? (SubscriptionCloseReason)reason : null;

    public void Dispose()
    {
        _unsubscribe(this);
        _queue.Complete();
        _closed.Dispose();
    }

    /// <summary>Live messages up to this position are not queued: the client saw them on another node.</summary>
    internal MessagePosition? SkipThrough { get; set; }

    /// <summary>The hub's last fan-out that offered this subscriber a message: one offer per message, however many topics match.</summary>
    internal long LastFanOut { get; set; }

    internal bool TryDeliver(GatewayMessage message) =>
        (SkipThrough is { } floor && message.Position is { } position && !position.IsAfter(floor)) || _queue.TryWrite(message);

    /// <summary>Ends the subscription; the first reason given wins.</summary>
    internal void Close(SubscriptionCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
        {
            return;
        }

        // Cancel before completing: a reader woken by the completion must find the reason already given.
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection already ended and disposed the subscription.
        }

        _queue.Complete();
    }
}
