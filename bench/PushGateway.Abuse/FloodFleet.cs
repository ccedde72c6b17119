using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PushGateway.Abuse;

/// <summary>The flood processes of a scenario (the open-files limit is per process), on the clients' CPU.</summary>
internal sealed class FloodFleet : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);
    private readonly List<(FloodBatch Batch, Process Process)> _processes = [];

    public static FloodFleet Launch(IEnumerable<FloodBatch> batches, int port, int cpu)
    {
        var fleet = new FloodFleet();
        foreach (var batch in batches)
        {
            var start = new ProcessStartInfo("taskset") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in (string[])[
                "-c", cpu.ToString(CultureInfo.InvariantCulture), Environment.ProcessPath!, typeof(FloodClient).Assembly.Location,
                "flood-client", .. batch.Arguments(port)])
            {
                start.ArgumentList.Add(argument);
            }

            fleet._processes.Add((batch, Process.Start(start)!));
        }

        return fleet;
    }

    /// <summary>How the connections fared, by kind and outcome (<c>open</c>, <c>refused</c>, <c>status 429</c>…).</summary>
    public async Task<Dictionary<string, int>> WaitOpenedAsync(CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, int>();
        foreach (var (batch, process) in _processes)
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "OPENED {\"flood process died\":1}";
            foreach (var (outcome, count) in JsonSerializer.Deserialize<Dictionary<string, int>>(line["OPENED ".Length..])!)
            {
                var key = $"{batch.Kind.ToString().ToLowerInvariant()} {outcome}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + count;
            }
        }

        return outcomes;
    }

    /// <summary>How many of the open connections the server has not closed.</summary>
    public async Task<int> CountHeldAsync(CancellationToken cancellationToken)
    {
        var held = 0;
        foreach (var (_, process) in _processes.Where(p => !p.Process.HasExited))
        {
            await process.StandardInput.WriteLineAsync("HELD").ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            held += line is not null ? int.Parse(line["HELD ".Length..], CultureInfo.InvariantCulture) : 0;
        }

        return held;
    }

    /// <summary>
    /// Tells every process to close its connections and waits for it to exit; one that has not within
    /// <see cref="ExitTimeout"/> is killed (its sockets close with it) and described, so that a stuck client
    /// shows as such instead of as the scenario's time limit.
    /// </summary>
    public async Task<List<string>> CloseAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, process) in _processes.Where(p => !p.Process.HasExited))
        {
            await process.StandardInput.WriteLineAsync("CLOSE").ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var stuck = new List<string>();
        foreach (var (batch, process) in _processes)
        {
            try
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(ExitTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                stuck.Add($"{batch.Count:N0} {batch.Kind.ToString().ToLowerInvariant()}: {Describe(process.Id)}");
                process.Kill();
            }
        }

        return stuck;
    }

    public void Dispose()
    {
        foreach (var (_, process) in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
        }
    }

    /// <summary>The process's state and where each of its threads waits in the kernel, from <c>/proc</c>.</summary>
    private static string Describe(int processId)
    {
        try
        {
            var state = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal))?["State:".Length..].Trim();
            var waits = Directory.EnumerateDirectories($"/proc/{processId}/task")
                .Select(task => File.ReadAllText(Path.Combine(task, "wchan")))
                .GroupBy(w => w.Length == 0 || w == "0" ? "running" : w)
                .Select(g => $"{g.Key} ×{g.Count()}");
            return $"state {state}; threads waiting in {string.Join(", ", waits)}";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "gone";
        }
    }
}
