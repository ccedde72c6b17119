using System.Globalization;

namespace PushGateway.Abuse;

/// <summary>
/// Two gateway nodes on one real redis-server, 200 resuming <c>/sse</c> subscribers spread over
/// both, and a publisher at a steady rate with its own ids that retries as the contract says.
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    public const int SubscriberCount = 200;
    public const int Rate = 100;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private Cluster(RedisProcess redis, GatewayNode[] nodes, SubscriberSet subscribers, OpenLoopPublisher publisher) =>
        (Redis, Nodes, Subscribers, Publisher) = (redis, nodes, subscribers, publisher);

    public RedisProcess Redis { get; }

    public GatewayNode[] Nodes { get; }

    public SubscriberSet Subscribers { get; }

    public OpenLoopPublisher Publisher { get; }

    public static string Bounds =>
        $"redis-server (persistence off) and 2 nodes; {SubscriberCount} `/sse` subscribers (100 per node, resuming with `Last-Event-ID` on the other node " +
        $"0.25 s after a drop); {Rate} publishes/s with the publisher's own ids, retried until acknowledged (at most {Settle.TotalSeconds:0} s after the last)";

    public static async Task<Cluster> StartAsync(AbuseContext context, string name, CancellationToken cancellationToken)
    {
        var redis = await RedisProcess.StartAsync(context, name + "-redis").ConfigureAwait(false);
        var environment = new Dictionary<string, string> { ["PushGateway__Redis__Configuration"] = redis.Configuration };
        var nodes = new List<GatewayNode>();
        try
        {
            foreach (var letter in "ab")
            {
                var node = await GatewayNode.StartAsync(context, $"{name}-{letter}", environment, null, cancellationToken).ConfigureAwait(false);
                nodes.Add(node);
                await node.WaitUntilAsync("/readyz", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            nodes.ForEach(n => n.Dispose());
            redis.Dispose();
            throw;
        }

        Uri[] addresses = [.. nodes.Select(n => n.BaseAddress)];
        var subscribers = SubscriberSet.Resuming(addresses, "abuse", SubscriberCount);
        var publisher = new OpenLoopPublisher(addresses, "abuse", Rate, retry: true);
        var cluster = new Cluster(redis, [.. nodes], subscribers, publisher);
        await subscribers.StartAllAsync(cancellationToken).ConfigureAwait(false);
        Latency.Begin();
        publisher.Start();
        return cluster;
    }

    public IEnumerable<SseSubscriber> SseSubscribers => Subscribers.All.Cast<SseSubscriber>();

    /// <summary>Stops publishing, lets retries settle and subscribers catch up, then checks every delivery.</summary>
    public async Task FinishAsync(ScenarioResult result, CancellationToken cancellationToken)
    {
        await Publisher.StopAsync(Settle).ConfigureAwait(false);
        await Subscribers.WaitForAsync([.. Publisher.Acknowledged], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        result.Figure("subscribers' latency over the run (retried messages count from their first schedule)", Latency.End());
        var audit = DeliveryAudit.Of(Subscribers.All, Publisher.Records, countDrops: false);
        var subscribers = SseSubscribers.ToList();
        result.Figure("publish answers (every attempt)", Publisher.AnswerCounts());
        result.Figure("unanswered publish attempts, by what the client saw", Publisher.NoAnswerErrors);
        result.Figure("subscriber reconnections", subscribers.Sum(s => s.Reconnects).ToString("N0", CultureInfo.InvariantCulture));
        result.Figure("resume answers (PushGateway-Resume, or the refusal)", Merge(subscribers.Select(s => s.ResumeAnswers)));
        result.Figure("gap events", subscribers.Sum(s => s.Gaps).ToString("N0", CultureInfo.InvariantCulture));
        result.Figure("server logs", string.Join("; ", Nodes.Select(n => $"{n.Name}: {n.CountLog()}")));

        result.Require("every publish was acknowledged in the end (retrying as told)",
            $"{audit.Acknowledged:N0} of {Publisher.Scheduled:N0}", audit.NeverAcknowledged == 0 && Publisher.Scheduled > 0);
        result.Require($"no subscriber lost an acknowledged message (by sequence, {audit.Subscribers} subscribers)",
            $"{audit.Lost:N0} lost; {audit.SubscribersWithLoss} subscribers with loss, at most {audit.MaxLostBySubscriber:N0} each",
            audit.Lost == 0 && Subscribers.FailedToConnect == 0);
        result.Require("no message delivered twice to a subscriber (a retry carries the same id and content, which the gateway does not deliver again)",
            $"{audit.Duplicates:N0} duplicates ({audit.DuplicatesAfterWarning:N0} of messages with an outcome-unknown or unanswered attempt); " +
            $"{audit.SubscribersWithDuplicates} subscribers with duplicates, at most {audit.MaxDuplicatesBySubscriber:N0} each",
            audit.Duplicates == 0);
        result.Require("no 503 \"nothing was done\" for a publish that was delivered",
            $"{audit.FalseNotStored:N0} messages reached subscribers although every attempt sent before their first arrival was answered 503",
            audit.FalseNotStored == 0);
    }

    public async ValueTask DisposeAsync()
    {
        await Publisher.DisposeAsync().ConfigureAwait(false);
        await Subscribers.DisposeAsync().ConfigureAwait(false);
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        Redis.Dispose();
    }

    private static Dictionary<string, int> Merge(IEnumerable<IReadOnlyDictionary<string, int>> counts)
    {
        var merged = new Dictionary<string, int>();
        foreach (var (key, value) in counts.SelectMany(c => c))
        {
            merged[key] = merged.GetValueOrDefault(key) + value;
        }

        return merged;
    }
}
