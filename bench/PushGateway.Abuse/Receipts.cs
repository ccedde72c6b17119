namespace PushGateway.Abuse;

/// <summary>
/// What one subscriber received, by publisher sequence and attempt: the ground truth for loss
/// (an acknowledged sequence never seen) and duplicates (a sequence seen more than once).
/// </summary>
internal sealed class Receipts
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, int> _attemptsBySequence = [];
    private long _total;

    /// <summary>Deliveries of a sequence and attempt already received: the transport repeated a message.</summary>
    public int RepeatedDeliveries { get; private set; }

    /// <summary>Sequences received through more than one publish attempt: a retried publish stored twice.</summary>
    public int RetryDuplicates { get; private set; }

    public long Total => Interlocked.Read(ref _total);

    public void Add(long sequence, int attempt)
    {
        var bit = 1 << Math.Min(attempt, 30);
        lock (_lock)
        {
            _attemptsBySequence.TryGetValue(sequence, out var attempts);
            if ((attempts & bit) != 0)
            {
                RepeatedDeliveries++;
            }
            else if (attempts != 0)
            {
                RetryDuplicates++;
            }

            _attemptsBySequence[sequence] = attempts | bit;
        }

        Interlocked.Increment(ref _total);
    }

    public bool Has(long sequence)
    {
        lock (_lock)
        {
            return _attemptsBySequence.ContainsKey(sequence);
        }
    }

    /// <summary>The attempts of <paramref name="sequence"/> that arrived, as a bit mask (bit n: attempt n).</summary>
    public int Attempts(long sequence)
    {
        lock (_lock)
        {
            return _attemptsBySequence.GetValueOrDefault(sequence);
        }
    }

    /// <summary>How many of <paramref name="sequences"/> never arrived.</summary>
    public int Missing(IEnumerable<long> sequences)
    {
        lock (_lock)
        {
            return sequences.Count(s => !_attemptsBySequence.ContainsKey(s));
        }
    }
}
