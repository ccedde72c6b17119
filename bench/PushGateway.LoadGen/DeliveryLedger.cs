namespace PushGateway.LoadGen;

/// <summary>
/// A worker's account of which messages reached all of its live subscribers: a ring of per-sequence
/// counts; when a sequence has reached them all, the watermark moves past it. The publisher's
/// in-flight window is measured against the lowest watermark of all workers.
/// </summary>
internal sealed class DeliveryLedger(SharedCounters counters, int slot)
{
    private const int RingSize = 1 << 21;
    private const int Mask = RingSize - 1;
    private readonly int[] _counts = new int[RingSize];
    private readonly Lock _advance = new();
    private int _live;
    private long _watermark;

    public void Joined() => Interlocked.Increment(ref _live);

    public void Left()
    {
        Interlocked.Decrement(ref _live);
        Interlocked.Increment(ref counters.Lost(slot));
        Advance();
    }

    public void Received(long sequence)
    {
        if (Interlocked.Increment(ref _counts[sequence & Mask]) >= Volatile.Read(ref _live))
        {
            Advance();
        }
    }

    public void AddDelivered(int count) => Interlocked.Add(ref counters.Delivered(slot), count);

    private void Advance()
    {
        lock (_advance)
        {
            var live = Volatile.Read(ref _live);
            while (_counts[(_watermark + 1) & Mask] >= live && (live > 0 || _counts[(_watermark + 1) & Mask] > 0))
            {
                _counts[(_watermark + 1) & Mask] = 0;
                _watermark++;
            }

            Volatile.Write(ref counters.Watermark(slot), _watermark);
        }
    }
}
