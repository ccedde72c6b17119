using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>
/// Thousands of connections at once, mostly bare idle TCP plus <c>/sse</c> and <c>/ws</c>, from
/// several processes and addresses, while 100 existing subscribers receive a steady publish stream:
/// their latency before, during and after, their losses, <c>/healthz</c>, RSS, and survival.
/// </summary>
internal sealed class FloodScenario(string name, string title, int? openFilesLimit, IReadOnlyList<FloodBatch> batches, TimeSpan hold, bool requireMemoryBack) : IScenario
{
    private const int Rate = 200;
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MemoryDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongestHealthSilence = TimeSpan.FromSeconds(5);

    public string Name => name;

    public string Title => title;

    public int FloodConnections => batches.Sum(b => b.Count);

    public string Bounds =>
        $"{FloodConnections:N0} flood connections ({string.Join(", ", batches.GroupBy(b => b.Kind).Select(g => $"{g.Sum(b => b.Count):N0} {g.Key.ToString().ToLowerInvariant()}"))}) " +
        $"from {batches.Count} processes and {batches.Sum(b => b.Addresses)} addresses, each connect and handshake given 5 s; held {hold.TotalSeconds:0} s" +
        (openFilesLimit is { } limit ? $"; server under `prlimit --nofile={limit}:{limit}`" : "") +
        $"; 50 `/ws` + 50 `/sse` existing subscribers, {Rate} publishes/s; {Before.TotalSeconds:0} s before, {After.TotalSeconds:0} s after" +
        (requireMemoryBack ? $", then up to {MemoryDeadline.TotalSeconds:0} s for RSS to come back" : "");

    public TimeSpan Limit => TimeSpan.FromMinutes(3);

    public async Task RunAsync(AbuseContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        using var node = await GatewayNode.StartAsync(context, Name, null, openFilesLimit, cancellationToken).ConfigureAwait(false);
        result.Figure("server's connection caps (its start-up log)", node.LogLines("Connection caps:").FirstOrDefault() ?? "not logged");
        await using var sampler = new ServerSampler(node);
        await using var probe = new HealthProbe(node.Port);
        await using var subscribers = SubscriberSet.OnOneNode(node.BaseAddress, "abuse", 50, 50);
        await subscribers.StartAllAsync(cancellationToken).ConfigureAwait(false);
        await using var publisher = new OpenLoopPublisher([node.BaseAddress], "abuse", Rate, retry: false);
        publisher.Start();
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);

        Latency.Begin();
        await Task.Delay(Before, cancellationToken).ConfigureAwait(false);
        result.Figure("existing subscribers' latency before", Latency.End());
        var baseline = node.ResidentBytes();

        Latency.Begin();
        var floodStarted = Phases.Now;
        using var fleet = FloodFleet.Launch(batches, node.Port, context.ClientCpu);
        var outcomes = await fleet.WaitOpenedAsync(cancellationToken).ConfigureAwait(false);
        var opened = Phases.Now;
        result.Figure("flood connections", outcomes);
        result.Figure("flood opening took", Phases.Seconds(TimeSpan.FromSeconds((double)(opened - floodStarted) / Stopwatch.Frequency)));
        await Task.Delay(hold, cancellationToken).ConfigureAwait(false);
        result.Figure($"flood connections still open after {hold.TotalSeconds:0} s", (await fleet.CountHeldAsync(cancellationToken).ConfigureAwait(false)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        result.Figure("existing subscribers' latency during", Latency.End());
        result.Figure("server during the flood", node.Describe() +
            (sampler.ExitedAt is { } exited ? $", gone {Phases.Seconds(Stopwatch.GetElapsedTime(floodStarted, exited))} after the flood began" : ""));
        var stuck = await fleet.CloseAsync(cancellationToken).ConfigureAwait(false);
        if (stuck.Count > 0)
        {
            result.Figure("flood processes that did not exit within 15 s of being told to close (killed)", string.Join("; ", stuck));
        }

        var closed = Phases.Now;

        Latency.Begin();
        await Task.Delay(After, cancellationToken).ConfigureAwait(false);
        result.Figure("existing subscribers' latency after", Latency.End());
        var health = probe.Answered(floodStarted, Phases.Now);
        var silence = probe.LongestSilence(floodStarted, Phases.Now);
        result.Require($"/healthz kept answering during and after the flood (no {LongestHealthSilence.TotalSeconds:0} s without a 200; a new connection every 0.5 s, 2 s to answer)",
            $"longest silence {Phases.Seconds(silence)}; {health.Healthy} of {health.Sent} probes answered 200", silence < LongestHealthSilence);

        var afterClose = node.ResidentBytes();
        if (requireMemoryBack)
        {
            while (node.IsAlive && afterClose > baseline * 3 / 2 && Stopwatch.GetElapsedTime(closed) < MemoryDeadline)
            {
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
                afterClose = node.ResidentBytes();
            }
        }

        var sinceClose = Stopwatch.GetElapsedTime(closed);
        var (descriptorsBefore, socketsBefore) = sampler.PeakDescriptors(floodStarted - Stopwatch.Frequency, floodStarted);
        var (descriptorsPeak, socketsPeak) = sampler.PeakDescriptors(floodStarted, Phases.Now);
        result.Figure("server's open file descriptors (sampled every 250 ms)",
            $"{descriptorsBefore} before ({socketsBefore} sockets), peak {descriptorsPeak} ({socketsPeak} sockets)" +
            (openFilesLimit is { } limit ? $" of the limit of {limit}" : ""));
        var peak = sampler.Peak(floodStarted, Phases.Now);
        result.Figure("server RSS", $"{Phases.MiB(baseline)} before, {Phases.MiB(peak)} peak, {Phases.MiB(afterClose)} {Phases.Seconds(sinceClose)} after the flood closed");
        if (requireMemoryBack)
        {
            result.Require($"RSS back within 1.5× its pre-flood baseline within {MemoryDeadline.TotalSeconds:0} s of the flood closing",
                $"{Phases.MiB(afterClose)} after {Phases.Seconds(sinceClose)} ({(double)afterClose / baseline:0.00}× of {Phases.MiB(baseline)})",
                node.IsAlive && afterClose <= baseline * 3 / 2);
        }

        var capEpisodes = node.LogLines("At the connection cap").Count;
        result.Figure("cap warnings in the server log",
            $"{capEpisodes} at the connection cap, {node.LogLines("its new ones are closed").Count} addresses at the per-address cap");
        if (openFilesLimit is not null)
        {
            // Otherwise the scenario would pass without testing what it is for.
            result.Require("the flood took the server to its connection cap (it logged `At the connection cap`)", $"{capEpisodes} episodes", capEpisodes > 0);
        }

        await publisher.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await subscribers.WaitForAsync([.. publisher.Acknowledged], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        var unanswered = publisher.Records.SelectMany(r => r.AttemptsSoFar).Where(a => a.Answer == PublishAnswer.NoAnswer).Select(a => a.SentAt).Order().ToList();
        if (unanswered.Count > 0)
        {
            result.Figure("unanswered publishes sent at (from the flood's start; it was open after " +
                $"{Phases.Seconds(Stopwatch.GetElapsedTime(floodStarted, opened))}, closed after {Phases.Seconds(Stopwatch.GetElapsedTime(floodStarted, closed))})",
                string.Join(", ", unanswered.Take(20).Select(at => Phases.Seconds(Stopwatch.GetElapsedTime(floodStarted, at)))) + (unanswered.Count > 20 ? ", …" : ""));
        }

        Phases.RequireCleanDelivery(result, subscribers, publisher, node);
    }
}
