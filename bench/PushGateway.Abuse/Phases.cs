using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>Small helpers shared by the scenarios: timestamps and common checks.</summary>
internal static class Phases
{
    public static long Now => Stopwatch.GetTimestamp();

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";

    public static string MiB(long bytes) => (bytes >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MiB";

    /// <summary>The checks every single-node scenario makes of its well-behaved clients and the server's log.</summary>
    public static void RequireCleanDelivery(ScenarioResult result, SubscriberSet subscribers, OpenLoopPublisher publisher, GatewayNode node)
    {
        var audit = DeliveryAudit.Of(subscribers.All, publisher.Records, countDrops: true);
        var answers = publisher.AnswerCounts();
        result.Figure("publish answers", answers);
        result.Figure("unanswered publishes, by what the client saw", publisher.NoAnswerErrors);
        result.Require("every publish answered 200", $"{audit.Acknowledged:N0} of {publisher.Scheduled:N0}",
            audit.NeverAcknowledged == 0 && publisher.Scheduled > 0);
        var firstDrop = subscribers.All.Select(s => s.DropReason).FirstOrDefault(r => r is not null);
        result.Require(
            $"the {subscribers.All.Count} existing subscribers connected, lost no acknowledged message (by sequence) and were not dropped",
            $"{subscribers.FailedToConnect} failed to connect{(subscribers.FirstConnectError is { } e ? $" ({e})" : "")}; " +
            $"{audit.Lost:N0} lost ({audit.SubscribersWithLoss} subscribers, at most {audit.MaxLostBySubscriber:N0} each); " +
            $"{audit.Dropped} dropped{(firstDrop is null ? "" : $" (first: {firstDrop})")}; {audit.Duplicates} duplicates",
            subscribers.FailedToConnect == 0 && audit.Lost == 0 && audit.Dropped == 0 && audit.Duplicates == 0);
        var log = node.CountLog();
        result.Require("no Error line, no 500 and no runtime abort in the server log", log.ToString() + (log.FirstError is { } f ? $"; first: `{f}`" : ""),
            log.ErrorLines == 0 && log.Responded500 == 0 && !log.OutOfMemory);
        result.Require("the gateway process survived", node.Describe(), node.IsAlive);
    }
}
