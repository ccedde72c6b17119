using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>
/// What one subscriber received, by publisher sequence: the ground truth for loss (an acknowledged
/// sequence never seen), duplicates (a sequence seen more than once) and when each first arrived.
/// </summary>
internal sealed class Receipts
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, (int Count, long FirstAt)> _bySequence = [];
    private long _total;

    /// <summary>Deliveries of a sequence already received, whatever repeated it (the transport, a resume, a retry stored twice).</summary>
    public int Duplicates { get; private set; }

    public long Total => Interlocked.Read(ref _total);

    public void Add(long sequence)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_bySequence.TryGetValue(sequence, out var seen))
            {
                Duplicates++;
                _bySequence[sequence] = (seen.Count + 1, seen.FirstAt);
            }
            else
            {
                _bySequence[sequence] = (1, now);
            }
        }

        Interlocked.Increment(ref _total);
    }

    /// <summary>How often <paramref name="sequence"/> arrived, and when first (<see cref="Stopwatch"/> timestamp; 0 if never).</summary>
    public (int Count, long FirstAt) Of(long sequence)
    {
        lock (_lock)
        {
            return _bySequence.GetValueOrDefault(sequence);
        }
    }

    /// <summary>How many of <paramref name="sequences"/> never arrived.</summary>
    public int Missing(IEnumerable<long> sequences)
    {
        lock (_lock)
        {
            return sequences.Count(s => !_bySequence.ContainsKey(s));
        }
    }
}
