using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PushGateway.LoadGen;

/// <summary>Writes a run's results: JSON (every measurement), Markdown (medians, spread, targets) and an SVG chart.</summary>
internal sealed class Report(BenchOptions options, IReadOnlyList<Contestant> contestants, IReadOnlyList<PhaseResult> results)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public void Write(string directory, string stem, string machine)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, stem + ".json"), JsonSerializer.Serialize(
            new { machine, options = Describe(), results }, Indented));
        File.WriteAllText(Path.Combine(directory, stem + ".md"), Markdown(machine, stem));
        File.WriteAllText(Path.Combine(directory, stem + ".svg"), Chart());
    }

    public string Markdown(string machine, string stem)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"# Benchmark run {stem}").AppendLine();
        text.AppendLine(Invariant, $"{machine}. Server on CPU {options.ServerCpu}, generator on CPU {options.GeneratorCpu} (`taskset`); 100-byte payloads; " +
            $"{options.Subscribers:N0} subscribers unless marked; {options.Repeats} repeats: the median, with the range in brackets. " +
            $"Latency is publish→receive, open loop, in µs.").AppendLine();
        text.AppendLine(Invariant, $"Command: `bench/run {Describe()}`").AppendLine();
        text.AppendLine("| contestant | msg/s, window 16 | msg/s, window 64 | msg/s, 10k subs | 10k ÷ 1k | CPU ns/msg | reach | p99 @25% | p99 @50% | p99 @80% | KiB per idle conn (10k) | to 90% after start |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var contestant in contestants)
        {
            var name = contestant.Name;
            var large = Median(name, Scenarios.SaturationLarge, r => r.DeliveredPerSecond);
            var small = Median(name, Scenarios.SaturationWindow64, r => r.DeliveredPerSecond);
            text.Append(Invariant, $"| {name} | {Cell(name, Scenarios.SaturationWindow16, r => r.DeliveredPerSecond, "N0")} | ");
            text.Append(Invariant, $"{Cell(name, Scenarios.SaturationWindow64, r => r.DeliveredPerSecond, "N0")} | ");
            text.Append(Invariant, $"{Cell(name, Scenarios.SaturationLarge, r => r.DeliveredPerSecond, "N0")} | ");
            text.Append(Invariant, $"{(large is { } l && small is { } s && s > 0 ? (l / s).ToString("F2", Invariant) : "–")} | ");
            text.Append(Invariant, $"{Cell(name, Scenarios.SaturationWindow64, r => r.ServerCpuNanosecondsPerDelivery, "F0")} | ");
            text.Append(Invariant, $"{Cell(name, Scenarios.SaturationWindow64, r => r.Reach * 100, "F2")}% | ");
            foreach (var percent in options.LoadPercents)
            {
                text.Append(Invariant, $"{Cell(name, Scenarios.Load(percent), r => r.P99, "N0")} | ");
            }

            text.Append(Invariant, $"{Cell(name, Scenarios.Idle, r => r.BytesPerConnection / 1024, "F2")} | ");
            text.AppendLine(Invariant, $"{Cell(name, Scenarios.WarmStart, r => r.SecondsTo90Percent, "F2")} s |");
        }

        text.AppendLine().AppendLine("Latency detail (µs, median of repeats):").AppendLine();
        text.AppendLine("| contestant | scenario | msg/s | p50 | p99 | p99.9 | max | reach |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var contestant in contestants)
        {
            foreach (var scenario in new[] { Scenarios.SaturationWindow16, Scenarios.SaturationWindow64 }
                .Concat(options.LoadPercents.Select(Scenarios.Load)).Append(Scenarios.StallBaseline).Append(Scenarios.Stall).Append(Scenarios.SaturationLarge))
            {
                if (Median(contestant.Name, scenario, r => r.DeliveredPerSecond) is null)
                {
                    continue;
                }

                text.AppendLine(Invariant,
                    $"| {contestant.Name} | {scenario} | {Cell(contestant.Name, scenario, r => r.DeliveredPerSecond, "N0")} | {Cell(contestant.Name, scenario, r => r.P50, "N0")} | " +
                    $"{Cell(contestant.Name, scenario, r => r.P99, "N0")} | {Cell(contestant.Name, scenario, r => r.P999, "N0")} | " +
                    $"{Cell(contestant.Name, scenario, r => r.Max, "N0")} | {Cell(contestant.Name, scenario, r => r.Reach * 100, "F2")}% |");
            }
        }

        text.AppendLine().AppendLine("Stalled subscriber (one client stops reading; the others at the highest fixed load):").AppendLine();
        foreach (var stall in results.Where(r => r.Scenario == Scenarios.Stall))
        {
            text.AppendLine(Invariant, $"- {stall.Contestant} (repeat {stall.Repeat}): {stall.Note}; server memory grew {stall.MemoryGrowthBytes / 1024.0 / 1024:F1} MiB");
        }

        text.AppendLine().AppendLine("Targets (ratios of medians from this run):").AppendLine();
        foreach (var line in Targets())
        {
            text.AppendLine(line);
        }

        text.AppendLine().AppendLine(Invariant, $"Contestants:");
        foreach (var contestant in contestants)
        {
            text.AppendLine(Invariant, $"- `{contestant.Name}`: {contestant.Description}");
        }

        return text.ToString();
    }

    private IEnumerable<string> Targets()
    {
        double? Rate(string name) => Median(name, Scenarios.SaturationWindow64, r => r.DeliveredPerSecond);
        string Ratio(string what, double? numerator, double? denominator, double target, bool atMost = false)
        {
            if (numerator is not { } n || denominator is not { } d || d == 0)
            {
                return $"- {what}: not measured";
            }

            var ratio = n / d;
            var met = atMost ? ratio <= target : ratio >= target;
            return string.Create(Invariant, $"- {what}: **{ratio:F2}×** (target {(atMost ? "≤" : "≥")} {target}×) {(met ? "✅" : "❌")}");
        }

        yield return Ratio("`/ws` ÷ Node `ws` (msg/s, window 64)", Rate(Contestant.PushGatewayWs), Rate(Contestant.NodeWs), 10);
        yield return Ratio("`/ws` ÷ SignalR", Rate(Contestant.PushGatewayWs), Rate(Contestant.SignalR), 3);
        yield return Ratio("`/sse` ÷ express SSE", Rate(Contestant.PushGatewaySse), Rate(Contestant.ExpressSse), 5);
        yield return Ratio("`/ws` sub-protocol ÷ plain `/ws`", Rate(Contestant.PushGatewayV1), Rate(Contestant.PushGatewayWs), 0.8);
        yield return Ratio("`/ws` ÷ raw TCP", Rate(Contestant.PushGatewayWs), Rate(Contestant.RawTcp), 0.7);
        foreach (var percent in options.LoadPercents)
        {
            yield return Ratio($"p99 at {percent}% of Node's rate, `/ws` ÷ Node `ws`",
                Median(Contestant.PushGatewayWs, Scenarios.Load(percent), r => r.P99), Median(Contestant.NodeWs, Scenarios.Load(percent), r => r.P99), 0.2, atMost: true);
        }

        foreach (var gateway in new[] { Contestant.PushGatewayWs, Contestant.PushGatewaySse })
        {
            yield return Ratio($"idle memory per connection, {gateway} ÷ Node `ws`",
                Median(gateway, Scenarios.Idle, r => r.BytesPerConnection), Median(Contestant.NodeWs, Scenarios.Idle, r => r.BytesPerConnection), 0.5, atMost: true);
            yield return Ratio($"{gateway}: msg/s at 10k ÷ at 1k",
                Median(gateway, Scenarios.SaturationLarge, r => r.DeliveredPerSecond), Rate(gateway), 0.8);
            var warm = Median(gateway, Scenarios.WarmStart, r => r.SecondsTo90Percent);
            yield return $"- {gateway}: 90% of steady throughput {(warm is { } w ? string.Create(Invariant, $"{w:F2} s") : "not reached")} after process start (target ≤ 3 s) {(warm is <= 3 ? "✅" : "❌")}";
            yield return Ratio($"{gateway}: others' p99 with a stalled subscriber ÷ without",
                Median(gateway, Scenarios.Stall, r => r.P99), Median(gateway, Scenarios.StallBaseline, r => r.P99), 1.5, atMost: true);
        }
    }

    private string Chart()
    {
        var names = contestants.Select(c => c.Name).ToList();
        var rates = names.Select(n => Median(n, Scenarios.SaturationWindow64, r => r.DeliveredPerSecond) ?? 0).ToList();
        var p99s = names.Select(n => Median(n, Scenarios.Load(50), r => r.P99) ?? 0).ToList();
        const int width = 900, rowHeight = 28, left = 150, barMax = 260;
        var height = 80 + (names.Count * rowHeight);
        var svg = new StringBuilder();
        svg.AppendLine(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">");
        svg.AppendLine(Invariant, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        svg.AppendLine(Invariant, $"<text x=\"{left}\" y=\"24\" font-weight=\"bold\">Delivered msg/s (saturation, {options.Subscribers:N0} subscribers, window 64)</text>");
        svg.AppendLine(Invariant, $"<text x=\"{left + barMax + 200}\" y=\"24\" font-weight=\"bold\">p99 latency at 50% of Node ws's rate (ms)</text>");
        var maxRate = Math.Max(1, rates.Max());
        var maxP99 = Math.Max(1, p99s.Max());
        for (var i = 0; i < names.Count; i++)
        {
            var y = 50 + (i * rowHeight);
            svg.AppendLine(Invariant, $"<text x=\"{left - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{names[i]}</text>");
            var rateWidth = rates[i] / maxRate * barMax;
            svg.AppendLine(Invariant, $"<rect x=\"{left}\" y=\"{y}\" width=\"{rateWidth:F1}\" height=\"20\" fill=\"{(names[i].StartsWith("pushgateway", StringComparison.Ordinal) ? "#2b6cb0" : "#a0aec0")}\"/>");
            svg.AppendLine(Invariant, $"<text x=\"{left + rateWidth + 6:F1}\" y=\"{y + 15}\">{rates[i]:N0}</text>");
            var x = left + barMax + 200;
            var p99Width = p99s[i] / maxP99 * barMax;
            svg.AppendLine(Invariant, $"<rect x=\"{x}\" y=\"{y}\" width=\"{p99Width:F1}\" height=\"20\" fill=\"{(names[i].StartsWith("pushgateway", StringComparison.Ordinal) ? "#2f855a" : "#cbd5e0")}\"/>");
            svg.AppendLine(Invariant, $"<text x=\"{x + p99Width + 6:F1}\" y=\"{y + 15}\">{(p99s[i] > 0 ? (p99s[i] / 1000).ToString("F2", Invariant) : "–")}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private string Describe() => string.Join(' ', new[]
    {
        $"--repeats {options.Repeats}",
        options.Contestants.Count > 0 ? $"--contestants {string.Join(',', options.Contestants)}" : "",
        options.SkipLarge ? "--skip-large" : "",
        options.SkipStall ? "--skip-stall" : "",
    }.Where(s => s.Length > 0));

    private double? Median(string contestant, string scenario, Func<PhaseResult, double?> value)
    {
        var values = results.Where(r => r.Contestant == contestant && r.Scenario == scenario).Select(value).OfType<double>().Order().ToList();
        return values.Count == 0 ? null : values[values.Count / 2];
    }

    private string Cell(string contestant, string scenario, Func<PhaseResult, double?> value, string format)
    {
        var values = results.Where(r => r.Contestant == contestant && r.Scenario == scenario).Select(value).OfType<double>().Order().ToList();
        if (values.Count == 0)
        {
            return "–";
        }

        var median = values[values.Count / 2].ToString(format, Invariant);
        return values.Count == 1 ? median : $"{median} [{values[0].ToString(format, Invariant)}–{values[^1].ToString(format, Invariant)}]";
    }
}
