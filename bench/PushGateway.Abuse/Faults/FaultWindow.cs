using System.Diagnostics;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// A fault's share of the run: the messages due from the end of the previous fault's settle period to the end of this
/// one's, what each subscriber got of them, and what the history probe found held.
/// </summary>
internal sealed record FaultWindow(Fault Fault, long Start, long End, FaultTimes Times, IReadOnlyDictionary<string, ProbeResult> Probes)
{
    /// <summary>The goal's bound for "live again": the drain window (5 s) plus 2 s.</summary>
    public static readonly TimeSpan LiveBound = TimeSpan.FromSeconds(7);

    public FaultRow Measure(IReadOnlyList<FaultPublisher.Publish> publishes, IReadOnlyList<FaultSubscriber> subscribers)
    {
        var due = publishes.Where(p => p.ScheduledAt >= Start && p.ScheduledAt < End).ToList();
        var acknowledged = due.Where(p => p.Record.Acknowledged).ToLookup(p => p.Topic, p => p.Record.Sequence);
        var dueSequences = due.Select(p => p.Record.Sequence).ToHashSet();
        var afterReference = due.Where(p => p.ScheduledAt >= Times.DueAfter).ToLookup(p => p.Topic, p => p.Record.Sequence);
        long lostHeld = 0, lostNotHeld = 0, duplicates = 0, outOfOrder = 0;
        int subscribersWithLoss = 0, gapsSignalled = 0, gapsWrong = 0, silentLosses = 0, neverLive = 0;
        var live = new List<TimeSpan>();
        foreach (var subscriber in subscribers)
        {
            var probe = Probes[subscriber.Topic];
            var lost = acknowledged[subscriber.Topic].Where(s => subscriber.Receipts.Of(s).Count == 0).ToList();
            var notHeld = lost.Count(s => probe.Expected.Contains(s) && !probe.Held.Contains(s));
            lostNotHeld += notHeld;
            lostHeld += lost.Count - notHeld;
            subscribersWithLoss += lost.Count > 0 ? 1 : 0;
            duplicates += due.Where(p => p.Topic == subscriber.Topic).Sum(p => Math.Max(0, subscriber.Receipts.Of(p.Record.Sequence).Count - 1));
            outOfOrder += subscriber.OutOfOrder.Count(dueSequences.Contains);

            // A gap is right if and only if something this subscriber missed was no longer in the history.
            var signalled = subscriber.Gaps.Any(at => at >= Start && at < End);
            gapsSignalled += signalled ? 1 : 0;
            gapsWrong += signalled && notHeld == 0 ? 1 : 0;
            silentLosses += !signalled && notHeld > 0 ? 1 : 0;

            var firstLive = afterReference[subscriber.Topic].Select(s => subscriber.Receipts.Of(s).FirstAt).Where(at => at > 0).DefaultIfEmpty().Min();
            if (firstLive == 0)
            {
                neverLive++;
            }
            else
            {
                live.Add(Stopwatch.GetElapsedTime(Times.Reference, firstLive));
            }
        }

        live.Sort();
        return new FaultRow(
            Fault, Times, due.Count, due.Count(p => p.Record.Acknowledged), PublishAnswers.Count(due.Select(p => p.Record)),
            due.GroupBy(p => p.Outcome ?? "no outcome").ToDictionary(g => g.Key, g => g.Count()),
            lostHeld, lostNotHeld, subscribersWithLoss, duplicates, outOfOrder, gapsSignalled, gapsWrong, silentLosses,
            live.Count > 0 ? live[live.Count / 2] : null, live.Count > 0 ? live[^1] : null, neverLive + live.Count(l => l > LiveBound), Probes);
    }
}

/// <summary>What the history probe of one topic found: the gateway's resume answer, what it had to hold, and what came.</summary>
internal sealed record ProbeResult(string Resume, IReadOnlySet<long> Expected, IReadOnlySet<long> Held);

/// <summary>One fault's figures: the table row and its details.</summary>
internal sealed record FaultRow(
    Fault Fault,
    FaultTimes Times,
    int Due,
    int Acknowledged,
    IReadOnlyDictionary<string, int> Attempts,
    IReadOnlyDictionary<string, int> Outcomes,
    long LostWithinHistory,
    long LostOutsideHistory,
    int SubscribersWithLoss,
    long Duplicates,
    long OutOfOrder,
    int GapsSignalled,
    int GapsWrong,
    int SilentLosses,
    TimeSpan? LiveMedian,
    TimeSpan? LiveMax,
    int NotLiveInTime,
    IReadOnlyDictionary<string, ProbeResult> Probes)
{
    public bool Passed => LostWithinHistory == 0 && Duplicates == 0 && GapsWrong == 0 && SilentLosses == 0 && NotLiveInTime == 0;
}
