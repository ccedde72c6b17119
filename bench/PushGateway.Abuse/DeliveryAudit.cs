namespace PushGateway.Abuse;

/// <summary>
/// Every subscriber's receipts against the publisher's record: loss counted over acknowledged
/// sequences, duplicates split by cause, and 503 answers checked against what was delivered.
/// </summary>
internal sealed record DeliveryAudit(
    int Subscribers,
    long Acknowledged,
    long NeverAcknowledged,
    long Lost,
    int SubscribersWithLoss,
    long MaxLostBySubscriber,
    long RepeatedDeliveries,
    long RetryDuplicatesWarned,
    long RetryDuplicatesUnwarned,
    int SubscribersWithDuplicates,
    long MaxDuplicatesBySubscriber,
    long FalseNotStored,
    int Dropped)
{
    public long Duplicates => RepeatedDeliveries + RetryDuplicatesWarned + RetryDuplicatesUnwarned;

    public static DeliveryAudit Of(IReadOnlyList<ISubscriber> subscribers, IReadOnlyCollection<PublishRecord> records, bool countDrops)
    {
        var acknowledged = records.Where(r => r.Acknowledged).Select(r => r.Sequence).ToList();
        var lostBySubscriber = subscribers.Select(s => (long)s.Receipts.Missing(acknowledged)).ToList();
        long warned = 0, unwarned = 0, falseNotStored = 0;
        var duplicatesBySubscriber = subscribers.ToDictionary(s => s, s => (long)s.Receipts.RepeatedDeliveries);
        foreach (var record in records)
        {
            var attempts = record.AttemptsSoFar;
            var delivered = 0;
            foreach (var subscriber in subscribers)
            {
                var mask = subscriber.Receipts.Attempts(record.Sequence);
                delivered |= mask;
                var extra = System.Numerics.BitOperations.PopCount((uint)mask) - 1;
                if (extra > 0)
                {
                    // The publisher was told to retry with the same id only after these answers.
                    if (attempts.Any(a => a.Answer is PublishAnswer.OutcomeUnknown or PublishAnswer.NoAnswer))
                    {
                        warned += extra;
                    }
                    else
                    {
                        unwarned += extra;
                    }

                    duplicatesBySubscriber[subscriber] += extra;
                }
            }

            for (var attempt = 0; attempt < attempts.Count; attempt++)
            {
                if (attempts[attempt].Answer == PublishAnswer.NotStored && (delivered & (1 << Math.Min(attempt, 30))) != 0)
                {
                    falseNotStored++;
                }
            }
        }

        return new DeliveryAudit(
            subscribers.Count,
            acknowledged.Count,
            records.Count - acknowledged.Count,
            lostBySubscriber.Sum(),
            lostBySubscriber.Count(l => l > 0),
            lostBySubscriber.DefaultIfEmpty().Max(),
            subscribers.Sum(s => (long)s.Receipts.RepeatedDeliveries),
            warned,
            unwarned,
            duplicatesBySubscriber.Values.Count(d => d > 0),
            duplicatesBySubscriber.Values.DefaultIfEmpty().Max(),
            falseNotStored,
            countDrops ? subscribers.Count(s => s.DropReason is not null) : 0);
    }
}
