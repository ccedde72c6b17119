using System.Globalization;
using System.Text;

namespace PushGateway.Abuse;

/// <summary>The run's results as Markdown: a summary table, then each scenario's bounds, checks and figures.</summary>
internal static class AbuseReport
{
    public static string Markdown(string stem, string machine, string command, IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Abuse suite run {stem}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{machine}. Servers on CPU 0, clients on CPU 1 (`taskset`), everything on loopback. Command: `{command}`.").AppendLine();
        text.AppendLine("| scenario | verdict | checks held | took |").AppendLine("|---|---|---|---|");
        foreach (var result in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {result.Name} | {(result.Passed ? "pass" : "**FAIL**")} | {result.Checks.Count(c => c.Passed)} of {result.Checks.Count}{(result.Aborted is null ? "" : ", aborted")} | {result.Duration.TotalSeconds:0} s |");
        }

        foreach (var result in results)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"## {result.Name}: {result.Title} — {(result.Passed ? "pass" : "FAIL")}").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Bounds: {result.Bounds}.").AppendLine();
            if (result.Aborted is { } aborted)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"Aborted: {Cell(aborted)}").AppendLine();
            }

            text.AppendLine("| check | measured | |").AppendLine("|---|---|---|");
            foreach (var check in result.Checks)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(check.Requirement)} | {Cell(check.Measured)} | {(check.Passed ? "✅" : "❌")} |");
            }

            text.AppendLine().AppendLine("| figure | value |").AppendLine("|---|---|");
            foreach (var (name, value) in result.Figures)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(name)} | {Cell(value)} |");
            }
        }

        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
