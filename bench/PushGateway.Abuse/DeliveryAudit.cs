namespace PushGateway.Abuse;

/// <summary>
/// Every subscriber's receipts against the publisher's record: loss counted over acknowledged
/// sequences, duplicates, and 503 answers checked against what was delivered.
/// </summary>
internal sealed record DeliveryAudit(
    int Subscribers,
    long Acknowledged,
    long NeverAcknowledged,
    long Lost,
    int SubscribersWithLoss,
    long MaxLostBySubscriber,
    long Duplicates,
    long DuplicatesAfterWarning,
    int SubscribersWithDuplicates,
    long MaxDuplicatesBySubscriber,
    long FalseNotStored,
    int Dropped)
{
    public static DeliveryAudit Of(IReadOnlyList<ISubscriber> subscribers, IReadOnlyCollection<PublishRecord> records, bool countDrops)
    {
        var acknowledged = records.Where(r => r.Acknowledged).Select(r => r.Sequence).ToList();
        var lostBySubscriber = subscribers.Select(s => (long)s.Receipts.Missing(acknowledged)).ToList();
        var duplicatesBySubscriber = subscribers.Select(s => (long)s.Receipts.Duplicates).ToList();
        long afterWarning = 0, falseNotStored = 0;
        foreach (var record in records)
        {
            var attempts = record.AttemptsSoFar;
            var receipts = subscribers.Select(s => s.Receipts.Of(record.Sequence)).Where(r => r.Count > 0).ToList();
            if (receipts.Count == 0)
            {
                continue;
            }

            // A retry with the same id and content is deduplicated by the gateway; these duplicates at least had a warning.
            if (attempts.Any(a => a.Answer is PublishAnswer.OutcomeUnknown or PublishAnswer.NoAnswer))
            {
                afterWarning += receipts.Sum(r => r.Count - 1);
            }

            // Every attempt carries the same bytes, so the one that delivered the message was sent before its first
            // arrival: when all of those were answered 503 "nothing was done", one of them was stored after all.
            var firstArrival = receipts.Min(r => r.FirstAt);
            var candidates = attempts.Where(a => a.SentAt < firstArrival).ToList();
            if (candidates.Count > 0 && candidates.All(a => a.Answer == PublishAnswer.NotStored))
            {
                falseNotStored++;
            }
        }

        return new DeliveryAudit(
            subscribers.Count,
            acknowledged.Count,
            records.Count - acknowledged.Count,
            lostBySubscriber.Sum(),
            lostBySubscriber.Count(l => l > 0),
            lostBySubscriber.DefaultIfEmpty().Max(),
            duplicatesBySubscriber.Sum(),
            afterWarning,
            duplicatesBySubscriber.Count(d => d > 0),
            duplicatesBySubscriber.DefaultIfEmpty().Max(),
            falseNotStored,
            countDrops ? subscribers.Count(s => s.DropReason is not null) : 0);
    }
}
