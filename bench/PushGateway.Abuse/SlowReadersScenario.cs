using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace PushGateway.Abuse;

/// <summary>
/// Subscribers that never read (raw sockets, 4 KiB receive buffers, on <c>/ws</c> and <c>/sse</c>)
/// among normal ones, under a publish flood: the slow ones must be dropped, the normal ones lose
/// nothing, the log stays free of errors and memory bounded.
/// </summary>
internal sealed class SlowReadersScenario : IScenario
{
    private const int Rate = 1_000;

    /// <summary>Large enough that the kernel's buffers (a loopback send buffer grows to megabytes) fill within seconds.</summary>
    private const int MessageBytes = 2_048;
    private const int SlowPerTransport = 25;
    private const int NormalPerTransport = 25;
    private const long MemoryBound = 100L << 20;
    private static readonly TimeSpan Flood = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(10);

    public string Name => "slow-readers";

    public string Title => "Slow readers under a publish flood";

    public string Bounds =>
        $"{SlowPerTransport} `/ws` + {SlowPerTransport} `/sse` readers that never read (4 KiB receive buffer) among {NormalPerTransport} + {NormalPerTransport} normal subscribers; " +
        $"{Rate:N0} publishes/s of {MessageBytes:N0} bytes for {Flood.TotalSeconds:0} s ({Rate * (int)Flood.TotalSeconds:N0} messages); {DrainDeadline.TotalSeconds:0} s to see the slow ones closed";

    public TimeSpan Limit => TimeSpan.FromMinutes(2);

    public async Task RunAsync(AbuseContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        using var node = await GatewayNode.StartAsync(context, Name, null, null, cancellationToken).ConfigureAwait(false);
        await using var sampler = new ServerSampler(node);
        await using var subscribers = SubscriberSet.OnOneNode(node.BaseAddress, "abuse", NormalPerTransport, NormalPerTransport);
        await subscribers.StartAllAsync(cancellationToken).ConfigureAwait(false);
        var slow = Enumerable.Range(0, 2 * SlowPerTransport)
            .Select(i => new SlowReader(Loopback.Client(20 + (i % 10)), node.Port, webSocket: i < SlowPerTransport, "abuse")).ToList();
        try
        {
            foreach (var reader in slow)
            {
                await reader.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            var baseline = node.ResidentBytes();
            result.Figure("connections before the flood (server's /stats)", await ConnectionsAsync(node, cancellationToken).ConfigureAwait(false));

            await using var publisher = new OpenLoopPublisher([node.BaseAddress], "abuse", Rate, retry: false, MessageBytes);
            var started = Phases.Now;
            Latency.Begin();
            publisher.Start();
            await Task.Delay(Flood, cancellationToken).ConfigureAwait(false);
            await publisher.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await subscribers.WaitForAsync([.. publisher.Acknowledged], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            result.Figure("normal subscribers' latency during the flood", Latency.End());
            var peak = sampler.Peak(started, Phases.Now);

            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(DrainDeadline);
            var dropped = await Task.WhenAll(slow.Select(r => r.WasDroppedAsync(drain.Token))).ConfigureAwait(false);
            var droppedWs = dropped.Take(SlowPerTransport).Count(d => d);
            var droppedSse = dropped.Skip(SlowPerTransport).Count(d => d);
            result.Require("every slow reader was dropped by the server", $"{droppedWs} of {SlowPerTransport} on /ws, {droppedSse} of {SlowPerTransport} on /sse",
                droppedWs + droppedSse == slow.Count);
            result.Figure("connections after (server's /stats)", await ConnectionsAsync(node, cancellationToken).ConfigureAwait(false));
            result.Require($"RSS stayed within {MemoryBound >> 20} MiB of its level before the flood",
                $"{Phases.MiB(baseline)} before, {Phases.MiB(peak)} peak (+{Phases.MiB(peak - baseline)})", peak - baseline <= MemoryBound);
            Phases.RequireCleanDelivery(result, subscribers, publisher, node);
        }
        finally
        {
            slow.ForEach(r => r.Dispose());
        }
    }

    private static async Task<string> ConnectionsAsync(GatewayNode node, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var stats = await client.GetFromJsonAsync<JsonElement>(new Uri(node.BaseAddress, "/stats"), cancellationToken).ConfigureAwait(false);
            var connections = stats.GetProperty("connections");
            return string.Create(CultureInfo.InvariantCulture, $"{connections.GetProperty("ws").GetInt32()} ws, {connections.GetProperty("sse").GetInt32()} sse");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return "unavailable: " + exception.Message;
        }
    }
}
