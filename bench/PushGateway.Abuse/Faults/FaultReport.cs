using System.Globalization;
using System.Text;

namespace PushGateway.Abuse.Faults;

/// <summary>The run as Markdown: the topology, the definitions, the table (fault × figures), then each fault's details.</summary>
internal static class FaultReport
{
    public const string Definitions = """
        - **due / acked**: publishes due in the fault's window (from the end of the previous fault's settle period to the end of this one's) / acknowledged (200) in the end, retries included.
        - **attempts**: every HTTP attempt of those publishes (the client's retries included) by answer: `Ok` 200, `NotStored` 503, `OutcomeUnknown` the gateway's 504 problem, `NoAnswer` reset or timeout, `Refused`, `other N`.
        - **lost in history**: over all subscribers, acknowledged messages of their topic never received although the history probe found them held (the goal: 0). **lost outside**: the same for messages the history no longer held.
        - **dup**: deliveries of a message a subscriber already had. **order**: messages that arrived after one the gateway had placed later (a higher `{epoch}-{sequence}` id).
        - **gaps (wrong)**: subscribers that got a gap notice in the window, and of them how many wrongly. A gap notice is right if and only if the subscriber missed an acknowledged message that the history no longer held; a notice when history held all it missed is wrong, and so is a loss of an unheld message without one (counted as wrong too).
        - **history held**: after the settle period the probe resumes each topic (`GET /sse` with `Last-Event-ID` = the last message acknowledged before the window) and reads until every message acknowledged in the window has come (3 s at most): what came was held.
        - **live again**: per subscriber, from the fault's reference instant (the kill, the SIGTERM, the SIGHUP; for Redis the restart or the SIGCONT, since nothing can be delivered without it) to the arrival of its first message due at or after that instant (for the SIGTERM: due after the node exited, since a subscriber still open during the drain got messages due after the signal); p50 / max over the 1,000. **late**: subscribers not live within 7 s (the drain window, 5 s, plus 2 s).
        """;

    public static string Markdown(string stem, string machine, string command, FaultRun run, string? aborted)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Fault suite run {stem}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{machine}. Load average (1, 5, 15 min) {run.LoadBefore} before, {run.LoadAfter} after. Command: `{command}`.").AppendLine();
        text.AppendLine("Topology, all on loopback: redis-server with `--appendonly yes --appendfsync always` (as docker-compose.yml), three nodes of the published " +
            "build on it (as compose: forwarded headers on, no per-address socket cap; and 5,000 connections per client address, since the .NET client's " +
            "WebSocket cannot choose its source address), nginx in front with `deploy/nginx/proxy.conf` included (upstream `max_fails=1 fail_timeout=5s`). " +
            "Servers on CPU 0, clients on CPU 1. " + FaultSuite.Bounds + ".").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Verdict: **{(run.Passed && aborted is null ? "pass" : "FAIL")}**{(aborted is null ? "" : $" (aborted: {aborted})")}. " +
            $"{run.StartedLive:N0} of {FaultSuite.SubscriberCount:N0} subscribers live before the first fault; {run.Publishes:N0} publishes.").AppendLine();
        text.AppendLine("| fault | due / acked | attempts | lost in history | lost outside | dup | order | gaps (wrong) | live again p50 / max | late | |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in run.Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Fault.Name} | {row.Due:N0} / {row.Acknowledged:N0} | {Counts(row.Attempts)} | {row.LostWithinHistory:N0} | {row.LostOutsideHistory:N0} | " +
                $"{row.Duplicates:N0} | {row.OutOfOrder:N0} | {row.GapsSignalled} ({row.GapsWrong + row.SilentLosses}) | {Seconds(row.LiveMedian)} / {Seconds(row.LiveMax)} | " +
                $"{row.NotLiveInTime} | {(row.Passed ? "✅" : "❌")} |");
        }

        text.AppendLine().AppendLine(Definitions);
        foreach (var row in run.Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {row.Fault.Name}").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Fault.What}. {row.Times.Notes}").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"- publishes' final outcomes (what `PushPublisher.PublishAsync` returned or threw): {Counts(row.Outcomes)}");
            text.AppendLine(CultureInfo.InvariantCulture, $"- subscribers with a loss: {row.SubscribersWithLoss}; gap notices where history held everything: {row.GapsWrong}; losses of unheld messages without a notice: {row.SilentLosses}");
            var probes = string.Join("; ", row.Probes.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key} {p.Value.Resume}, {p.Value.Expected.Count(p.Value.Held.Contains)} of {p.Value.Expected.Count}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"- history probe per topic (resume answer, acknowledged messages held): {probes}");
            text.AppendLine();
        }

        text.AppendLine("## The run as a whole").AppendLine();
        var audits = run.Audits;
        text.AppendLine(CultureInfo.InvariantCulture, $"- every message due from the first fault's window on: {audits.Sum(a => a.Lost):N0} lost, {audits.Sum(a => a.Duplicates):N0} " +
            $"duplicates over {audits.Sum(a => a.Subscribers):N0} subscribers; {audits.Sum(a => a.NeverAcknowledged):N0} publishes never acknowledged; " +
            $"{audits.Sum(a => a.FalseNotStored):N0} delivered although every attempt sent before their first arrival was answered 503");

        text.AppendLine(CultureInfo.InvariantCulture, $"- subscribers whose client gave up: {(run.GaveUp.Count == 0 ? "none" : Counts(run.GaveUp))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- server logs: {string.Join("; ", run.NodeLogs)}; nginx error.log lines at error or above: {run.NginxErrors} (a connect to a dead node is one); every process alive at the end: {run.NodesAlive}");
        return text.ToString();
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts) => counts.Count == 0
        ? "none"
        : string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value.ToString("N0", CultureInfo.InvariantCulture)}"));

    private static string Seconds(TimeSpan? span) => span is { } s ? s.TotalSeconds.ToString("0.00 's'", CultureInfo.InvariantCulture) : "—";
}
