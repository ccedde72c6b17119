namespace PushGateway.Hub;

/// <summary>
/// One topic's subscribers, changed and read only under the hub's lock: joining appends and leaving
/// moves the last subscriber into the gap, so neither copies the list (a reconnect storm next to
/// many subscribers stays linear), and fan-out walks a plain span.
/// </summary>
internal sealed class SubscriberList
{
    private Subscription[] _items = new Subscription[4];

    public int Count { get; private set; }

    public ReadOnlySpan<Subscription> Items => _items.AsSpan(0, Count);

    public void Add(Subscription subscription)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }

        _items[Count++] = subscription;
    }

    /// <summary>Removes <paramref name="subscription"/> if present; the order of the others may change.</summary>
    public bool Remove(Subscription subscription)
    {
        var items = _items.AsSpan(0, Count);
        for (var i = 0; i < items.Length; i++)
        {
            if (!ReferenceEquals(items[i], subscription))
            {
                continue;
            }

            Count--;
            items[i] = items[Count];
            items[Count] = null!;
            return true;
        }

        return false;
    }
}
