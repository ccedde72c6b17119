using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PushGateway.Flood;

/// <summary>
/// Cycles of: open the connections from several processes, hold them while ticks flow, close them
/// all, then sample the server's RSS once a second. Prints every sample and a summary table.
/// </summary>
internal sealed class Flood(FloodOptions options)
{
    private static readonly int[] ReportedSeconds = [10, 30, 60];

    private readonly StringBuilder _table = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var gateway = GatewayProcess.Start(options);
        Console.WriteLine($"gateway {options.Gateway} (pid {gateway.Id}, port {gateway.Port}), env: {string.Join(' ', options.GatewayEnvironment.Select(p => $"{p.Key}={p.Value}"))}");
        await gateway.WaitUntilListeningAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        await Task.Delay(options.Settle, cancellationToken).ConfigureAwait(false);
        var baseline = gateway.Sample();
        Console.WriteLine($"baseline after {options.Settle.TotalSeconds:0} s: {baseline}");
        Console.Write(SmapsBreakdown.Read(gateway.Id));

        _table.AppendLine(CultureInfo.InvariantCulture, $"baseline {MemorySample.Mib(baseline.Rss)} MiB; 1.5 x baseline = {MemorySample.Mib(baseline.Rss * 3 / 2)} MiB");
        _table.AppendLine("| cycle | opened | before | peak | +10 s | +30 s | +60 s | within 1.5 x baseline from | threads after |");
        _table.AppendLine("|---|---|---|---|---|---|---|---|---|");
        for (var cycle = 1; cycle <= options.Cycles; cycle++)
        {
            await RunCycleAsync(gateway, cycle, baseline.Rss * 3 / 2, cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine();
        Console.Write(_table);
    }

    private async Task RunCycleAsync(GatewayProcess gateway, int cycle, long target, CancellationToken cancellationToken)
    {
        var before = gateway.Sample();
        Console.WriteLine($"\ncycle {cycle}: before {before}");
        var clients = StartClients(gateway.Port);
        try
        {
            var peak = before.Rss;
            var opening = Task.WhenAll(clients.Select(client => client.OpenedAsync(cancellationToken)));
            while (!opening.IsCompleted)
            {
                await Task.WhenAny(opening, Task.Delay(1000, cancellationToken)).ConfigureAwait(false);
                peak = Math.Max(peak, gateway.Sample().Rss);
            }

            var opened = await opening.ConfigureAwait(false);
            Console.WriteLine($"  opened {opened.Sum(o => o.Opened)}, failed {opened.Sum(o => o.Failed)} {opened.FirstOrDefault(o => o.Failed > 0).FirstError}");
            for (var second = 0; second < options.Hold.TotalSeconds; second++)
            {
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
                peak = Math.Max(peak, gateway.Sample().Rss);
            }

            Console.WriteLine($"  held {options.Hold.TotalSeconds:0} s: {gateway.Sample()}");
            Console.Write(SmapsBreakdown.Read(gateway.Id));
            await Task.WhenAll(clients.Select(client => client.CloseAsync(cancellationToken))).ConfigureAwait(false);

            var closedAt = Stopwatch.GetTimestamp();
            var samples = new List<MemorySample>();
            for (var second = 1; second <= options.After.TotalSeconds; second++)
            {
                var due = closedAt + (second * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }

                var sample = gateway.Sample();
                samples.Add(sample);
                // Closing allocates too: the highest RSS often comes after the close.
                peak = Math.Max(peak, sample.Rss);
                Console.WriteLine($"  +{second,2} s {sample}");
                if (second == 60)
                {
                    Console.Write(SmapsBreakdown.Read(gateway.Id));
                }
            }

            Console.WriteLine($"  stats: {await gateway.StatsAsync().ConfigureAwait(false)}");
            string At(int second) => samples.Count >= second ? $"{MemorySample.Mib(samples[second - 1].Rss)} MiB" : "-";
            var within = samples.FindIndex(s => s.Rss <= target);
            _table.AppendLine(CultureInfo.InvariantCulture,
                $"| {cycle} | {opened.Sum(o => o.Opened)} | {MemorySample.Mib(before.Rss)} MiB | {MemorySample.Mib(peak)} MiB | " +
                $"{string.Join(" | ", ReportedSeconds.Select(At))} | {(within < 0 ? "never" : $"+{within + 1} s")} | {samples[^1].Threads} |");
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private List<ClientProcess> StartClients(int port)
    {
        var clients = new List<ClientProcess>(options.Processes);
        for (var i = 0; i < options.Processes; i++)
        {
            var share = (options.Connections / options.Processes) + (i < options.Connections % options.Processes ? 1 : 0);
            var idle = (int)Math.Round(share * options.IdleShare);
            var sse = (share - idle + 1) / 2;
            clients.Add(ClientProcess.Start(port, sse, share - idle - sse, idle));
        }

        return clients;
    }
}
