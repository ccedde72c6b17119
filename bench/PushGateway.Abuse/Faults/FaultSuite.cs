using System.Diagnostics;
using System.Globalization;
using PushGateway.Client;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// The fault suite (<c>bench/faults</c>): the deployment of <see cref="Topology"/>, 1,000 subscribers on the project's
/// .NET client through nginx (half SSE, half the WebSocket sub-protocol, over <see cref="TopicCount"/> topics), a steady
/// publisher on <see cref="PushPublisher"/>, and each fault of <see cref="Fault.All"/> in turn, each followed by its
/// recovery and a settle period, then every message counted.
/// </summary>
internal sealed class FaultSuite(AbuseContext context, string repository, string workDirectory)
{
    public const int SubscriberCount = 1_000;
    public const int TopicCount = 8;
    public const double Rate = 40;
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PublishSettle = TimeSpan.FromSeconds(40);

    public static string Bounds =>
        $"{SubscriberCount:N0} subscribers ({SubscriberCount / 2:N0} SSE, {SubscriberCount / 2:N0} WebSocket sub-protocol) over {TopicCount} topics; " +
        $"{Rate:0} publishes/s; per fault {Steady.TotalSeconds:0} s steady, the fault and its recovery, until every subscriber is live again " +
        $"(at most {LiveWait.TotalSeconds:0} s), {Settle.TotalSeconds:0} s settle, the history probe";

    public async Task<FaultRun> RunAsync(CancellationToken cancellationToken)
    {
        var run = new FaultRun { LoadBefore = LoadAverage() };
        await using var topology = await Topology.StartAsync(context, repository, workDirectory, cancellationToken).ConfigureAwait(false);
        var proxy = topology.Nginx.BaseAddress;
        Console.WriteLine($"redis {topology.Redis}, nodes on {string.Join(", ", topology.Nodes.Select(n => n.Port))}, nginx on {proxy}");
        string[] topics = [.. Enumerable.Range(0, TopicCount).Select(i => "faults-" + i.ToString(CultureInfo.InvariantCulture))];
        using var sseHttp = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = proxy, Timeout = Timeout.InfiniteTimeSpan };
        var subscribers = Enumerable.Range(0, SubscriberCount).Select(i =>
        {
            var transport = i % 2 == 0 ? PushTransport.ServerSentEvents : PushTransport.WebSocket;
            var options = Microsoft.Extensions.Options.Options.Create(new PushGatewayClientOptions { BaseAddress = proxy, Transport = transport });
            return new FaultSubscriber(new PushSubscriber(sseHttp, options, TimeProvider.System), topics[i / 2 % TopicCount], transport);
        }).ToList();
        await using var publisher = new FaultPublisher(proxy, topics, Rate);
        try
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            publisher.Start();
            var warmUp = Phases.Now;
            run.StartedLive = await WaitUntilLiveAsync(subscribers, publisher, warmUp, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"  {run.StartedLive} of {SubscriberCount} subscribers live {Phases.Seconds(Stopwatch.GetElapsedTime(warmUp))} after the publisher started");

            var firstWindow = Phases.Now;
            var windowStart = firstWindow;
            var windows = new List<FaultWindow>();
            foreach (var fault in Fault.All)
            {
                await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"[{fault.Name}] {fault.What}");
                var times = await fault.InflictAsync(topology, cancellationToken).ConfigureAwait(false);
                var live = await WaitUntilLiveAsync(subscribers, publisher, times.DueAfter, LiveWait, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"  {times.Notes}; {live} of {SubscriberCount} live again {Phases.Seconds(Stopwatch.GetElapsedTime(times.Reference))} after the reference");
                await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
                var probes = await ProbeAsync(sseHttp, topics, publisher.Publishes, windowStart, cancellationToken).ConfigureAwait(false);
                var windowEnd = Phases.Now;
                windows.Add(new FaultWindow(fault, windowStart, windowEnd, times, probes));
                windowStart = windowEnd;
            }

            await publisher.StopAsync(PublishSettle).ConfigureAwait(false);
            var publishes = publisher.Publishes;
            await WaitForCatchUpAsync(subscribers, [.. publishes.Where(p => p.Record.Acknowledged)], cancellationToken).ConfigureAwait(false);
            run.Rows = [.. windows.Select(w => w.Measure(publishes, subscribers))];
            // Over all the windows (the warm-up before them has messages due before some subscribers had subscribed): each
            // topic's subscribers against that topic's publishes.
            var measured = publishes.Where(p => p.ScheduledAt >= firstWindow).ToList();
            run.Audits = [.. topics.Select(topic => DeliveryAudit.Of(
                [.. subscribers.Where(s => s.Topic == topic)], [.. measured.Where(p => p.Topic == topic).Select(p => p.Record)], countDrops: true))];
            run.Publishes = publishes.Count;
            run.GaveUp = subscribers.Where(s => s.DropReason is not null).GroupBy(s => s.DropReason!).ToDictionary(g => g.Key, g => g.Count());
            run.NodeLogs = [.. topology.Nodes.Select(n => $"{n.Name}: {n.CountLog()}")];
            run.NodesAlive = topology.Nodes.All(n => n.IsAlive) && topology.Nginx.IsAlive;
            run.NginxErrors = NginxErrors(topology.Nginx);
            run.LoadAfter = LoadAverage();
            return run;
        }
        finally
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits until every subscriber has received a message due at or after <paramref name="reference"/> (or the time is
    /// up); returns how many have.
    /// </summary>
    private static async Task<int> WaitUntilLiveAsync(
        List<FaultSubscriber> subscribers, FaultPublisher publisher, long reference, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Phases.Now;
        while (true)
        {
            var after = publisher.Publishes.Where(p => p.ScheduledAt >= reference).ToLookup(p => p.Topic, p => p.Record.Sequence);
            var live = subscribers.Count(s => after[s.Topic].Any(sequence => s.Receipts.Of(sequence).Count > 0));
            if (live == subscribers.Count || Stopwatch.GetElapsedTime(started) > timeout)
            {
                return live;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Per topic: history resumed from the last message acknowledged before the window, read until all acknowledged since came.</summary>
    private static async Task<IReadOnlyDictionary<string, ProbeResult>> ProbeAsync(
        HttpClient http, string[] topics, IReadOnlyList<FaultPublisher.Publish> publishes, long windowStart, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(topics.Select(async topic =>
        {
            var onTopic = publishes.Where(p => p.Topic == topic && p.Id is not null).ToList();
            var from = onTopic.Where(p => p.ScheduledAt < windowStart).MaxBy(p => p.Record.Sequence);
            var expected = onTopic.Where(p => p.ScheduledAt >= windowStart).Select(p => p.Record.Sequence).ToHashSet();
            if (from?.Id is null)
            {
                return (topic, new ProbeResult("nothing acknowledged before the window", expected, new HashSet<long>()));
            }

            var (resume, held) = await HistoryProbe.ReadAsync(http, topic, from.Id, expected, cancellationToken).ConfigureAwait(false);
            return (topic, new ProbeResult(resume, expected, held));
        })).ConfigureAwait(false);
        return results.ToDictionary(r => r.topic, r => r.Item2);
    }

    /// <summary>Until every subscriber holds every acknowledged message, or none arrived for 5 s.</summary>
    private static async Task WaitForCatchUpAsync(List<FaultSubscriber> subscribers, List<FaultPublisher.Publish> acknowledged, CancellationToken cancellationToken)
    {
        var byTopic = acknowledged.ToLookup(p => p.Topic, p => p.Record.Sequence);
        var total = subscribers.Sum(s => s.Receipts.Total);
        var progressAt = Phases.Now;
        while (subscribers.Any(s => s.Receipts.Missing(byTopic[s.Topic]) > 0) && Stopwatch.GetElapsedTime(progressAt) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            var now = subscribers.Sum(s => s.Receipts.Total);
            if (now != total)
            {
                (total, progressAt) = (now, Phases.Now);
            }
        }
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static int NginxErrors(NginxProxy nginx)
    {
        var log = Path.Combine(nginx.Directory, "error.log");
        return File.Exists(log) ? File.ReadLines(log).Count(l => l.Contains("[error]", StringComparison.Ordinal) || l.Contains("[crit]", StringComparison.Ordinal)) : 0;
    }
}

/// <summary>What a run measured: one row per fault, and the run as a whole.</summary>
internal sealed class FaultRun
{
    public string LoadBefore { get; init; } = "";

    public string LoadAfter { get; set; } = "";

    public int StartedLive { get; set; }

    public IReadOnlyList<FaultRow> Rows { get; set; } = [];

    /// <summary>One per topic.</summary>
    public IReadOnlyList<DeliveryAudit> Audits { get; set; } = [];

    public int Publishes { get; set; }

    public IReadOnlyDictionary<string, int> GaveUp { get; set; } = new Dictionary<string, int>();

    public IReadOnlyList<string> NodeLogs { get; set; } = [];

    public bool NodesAlive { get; set; }

    public int NginxErrors { get; set; }

    public bool Passed => Rows.Count == Fault.All.Count && Rows.All(r => r.Passed) && StartedLive == FaultSuite.SubscriberCount
        && GaveUp.Count == 0 && NodesAlive;
}
