using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PushGateway.Backplanes.InProcess;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Publishing;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hub;

public sealed class BroadcastHubTests : IDisposable
{
    private static readonly HashSet<string> Chat = [BuiltInTopics.Chat];
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Publish_WithOneFullQueue_DropsOnlyThatSubscriberAndNeverWaits()
    {
        var hub = CreateHub(queueCapacity: 2);
        using var dropped = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), "PushGateway", "pushgateway.subscribers.dropped");
        using var stalled = hub.Subscribe(Chat, null, "test");
        using var reading = hub.Subscribe(Chat, null, "test");

        var received = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"m{i}");
            while (reading.Messages.TryRead(out var message))
            {
                received.Add(message.Data);
            }
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], received);
        Assert.Equal(SubscriptionCloseReason.SlowConsumer, stalled.CloseReason);
        Assert.True(stalled.Closed.IsCancellationRequested);
        Assert.Null(reading.CloseReason);
        Assert.Equal(1, hub.SubscriberCount);
        Assert.Equal(1, Assert.Single(dropped.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public void Publish_ReachesOnlySubscribersOfItsTopic_OnceEach()
    {
        var hub = CreateHub();
        using var chatOnly = hub.Subscribe(Chat, null, "test");
        using var both = hub.Subscribe(new HashSet<string> { BuiltInTopics.Chat, BuiltInTopics.Ticker }, null, "test");

        hub.Publish(BuiltInTopics.Ticker, EventTypes.Message, "tick");
        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "chat");

        Assert.Equal(["chat"], Drain(chatOnly));
        Assert.Equal(["tick", "chat"], Drain(both));
    }

    [Fact]
    public void Publish_AssignsIdsFromTheStartEpochInSequence()
    {
        var hub = CreateHub();

        var first = hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "a");
        var second = hub.Publish(BuiltInTopics.Ticker, EventTypes.Message, "b");

        Assert.Equal(new MessagePosition(_time.GetUtcNow().ToUnixTimeMilliseconds(), 1), first.Position);
        Assert.Equal(new MessagePosition(first.Position!.Value.Epoch, 2), second.Position);
    }

    [Fact]
    public void Subscribe_WithLastSeen_ReplaysOnlyItsTopicsAfterThatId()
    {
        var hub = CreateHub();
        var seen = hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "seen");
        hub.Publish(BuiltInTopics.Ticker, EventTypes.Message, "other topic");
        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "missed");

        using var subscription = hub.Subscribe(Chat, seen.EventId, "test");

        Assert.Equal(ResumeStatus.Complete, subscription.ResumeStatus);
        Assert.Equal(["missed"], subscription.Replay.Select(message => message.Data));
    }

    [Fact]
    public void Subscribe_WithIdNotIssuedYet_ReportsAGapAndReplaysAllHeld()
    {
        var hub = CreateHub();
        var held = hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "held");

        using var subscription = hub.Subscribe(Chat, new MessagePosition(held.Position!.Value.Epoch, 99).ToString(), "test");

        Assert.Equal(ResumeStatus.Gap, subscription.ResumeStatus);
        Assert.Equal(["held"], subscription.Replay.Select(message => message.Data));
    }

    [Fact]
    public void Subscribe_WithoutHistory_ReportsAGapOnlyWhenSomethingWasMissed()
    {
        var hub = CreateHub(historySize: 0);
        var last = hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "a");

        using var upToDate = hub.Subscribe(Chat, last.EventId, "test");
        using var behind = hub.Subscribe(Chat, new MessagePosition(last.Position!.Value.Epoch, 0).ToString(), "test");

        Assert.Equal(ResumeStatus.Complete, upToDate.ResumeStatus);
        Assert.Equal(ResumeStatus.Gap, behind.ResumeStatus);
    }

    [Fact]
    public void Publish_OnSeveralTopics_ReachesASubscriberOfSeveralOfThemOnce()
    {
        var hub = CreateHub();
        using var both = hub.Subscribe(new HashSet<string> { "a", "b" }, null, "test");
        using var onlyB = hub.Subscribe(new HashSet<string> { "b" }, null, "test");

        hub.Publish(new MessageDraft(["b", "a"], "update", "w"));
        var message = hub.Publish(new MessageDraft(["a", "b", "c"], "update", "x"));

        Assert.Equal(["w", "x"], Drain(both));
        Assert.Equal(["w", "x"], Drain(onlyB));
        Assert.Equal(new TopicPresence(2, message.EventId), hub.GetPresence("b"));
        Assert.Equal(new TopicPresence(0, message.EventId), hub.GetPresence("c"));
        Assert.Equal(new TopicPresence(0, null), hub.GetPresence("d"));
    }

    [Fact]
    public void Subscribe_AfterAPublishersOwnId_ReplaysWhatFollowsIt()
    {
        var hub = CreateHub();
        hub.Publish(new MessageDraft(["a"], "update", "first") { EventId = "order-17" });
        hub.Publish(new MessageDraft(["a"], "update", "second") { EventId = "order-18", RetryMilliseconds = 500 });

        using var resumed = hub.Subscribe(new HashSet<string> { "a" }, "order-17", "test");
        using var unknown = hub.Subscribe(new HashSet<string> { "a" }, "order-1", "test");

        Assert.Equal(ResumeStatus.Complete, resumed.ResumeStatus);
        var replayed = Assert.Single(resumed.Replay);
        Assert.Equal("order-18", replayed.EventId);
        Assert.Equal("event: update\nid: order-18\nretry: 500\ndata: second\n\n", System.Text.Encoding.UTF8.GetString(replayed.EncodedAs(PushGateway.Transports.ServerSentEvents.SseFrameEncoder.Format).Span));
        Assert.Equal(ResumeStatus.Gap, unknown.ResumeStatus);
        Assert.Equal(2, unknown.Replay.Count);
    }

    [Fact]
    public void StopAdmitting_KeepsTheOpenOnesReceivingUntilClosedAndClosesLaterOnesAtOnce()
    {
        var hub = CreateHub();
        using var dropped = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), "PushGateway", "pushgateway.subscribers.dropped");
        using var first = hub.Subscribe(Chat, null, "test");
        using var second = hub.Subscribe(Chat, null, "test");

        var open = hub.StopAdmitting(SubscriptionCloseReason.ServerShutdown);
        using var later = hub.Subscribe(Chat, null, "test");
        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "during the drain");
        hub.Close([first], SubscriptionCloseReason.ServerShutdown);
        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "after the first closed");

        Assert.Equal([first.Id, second.Id], open.Select(subscription => subscription.Id).Order());
        Assert.Equal(SubscriptionCloseReason.ServerShutdown, later.CloseReason);
        Assert.Equal(SubscriptionCloseReason.ServerShutdown, first.CloseReason);
        Assert.Null(second.CloseReason);
        Assert.Equal(["during the drain"], Drain(first));
        Assert.Equal(["during the drain", "after the first closed"], Drain(second));
        // Closed, it is out of the fan-out: its completed queue is not taken for a slow subscriber's.
        Assert.Empty(dropped.GetMeasurementSnapshot());
        Assert.Equal(1, hub.SubscriberCount);
    }

    [Fact]
    public void OpenSession_IsNoSubscriberAndIsClosedWithTheOthersOnStop()
    {
        var hub = CreateHub();
        using var session = hub.OpenSession("test");
        var gone = hub.OpenSession("test");
        gone.Dispose();
        using var subscription = hub.Subscribe(Chat, null, "test");

        var open = hub.StopAdmitting(SubscriptionCloseReason.ServerShutdown);
        using var later = hub.OpenSession("test");
        hub.Close(open, SubscriptionCloseReason.ServerShutdown);

        Assert.Equal([session.Id, subscription.Id], open.Select(item => item.Id).Order());
        Assert.Equal(SubscriptionCloseReason.ServerShutdown, session.CloseReason);
        Assert.Equal(SubscriptionCloseReason.ServerShutdown, later.CloseReason);
        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public void Dispose_Unsubscribes()
    {
        var hub = CreateHub();
        var subscription = hub.Subscribe(Chat, null, "test");

        subscription.Dispose();
        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "nobody listens");

        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public void Dispose_OfSubscribersAnywhereInATopic_LeavesEveryOtherOneSubscribed()
    {
        var hub = CreateHub();
        var subscriptions = Enumerable.Range(0, 6).Select(_ => hub.Subscribe(Chat, null, "test")).ToList();

        foreach (var index in new[] { 1, 5, 0 })
        {
            subscriptions[index].Dispose();
        }

        hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "still here");

        Assert.Equal(3, hub.SubscriberCount);
        Assert.Equal(3, hub.SubscriberCounts()[BuiltInTopics.Chat]);
        foreach (var index in new[] { 2, 3, 4 })
        {
            Assert.Equal(["still here"], Drain(subscriptions[index]));
            subscriptions[index].Dispose();
        }

        Assert.Empty(hub.SubscriberCounts());
    }

    private static List<string> Drain(Subscription subscription)
    {
        var data = new List<string>();
        while (subscription.Messages.TryRead(out var message))
        {
            data.Add(message.Data);
        }

        return data;
    }

    private BroadcastHub CreateHub(int queueCapacity = 16, int historySize = 16)
    {
        var options = Options.Create(new HubOptions { SubscriberQueueCapacity = queueCapacity, HistorySize = historySize });
        var backplane = new InProcessBackplane(options, Options.Create(new PublishOptions()), _time);
        var hub = new BroadcastHub(backplane, options, new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<BroadcastHub>.Instance);
        // As the host does (BackplaneHost): in-process, the start completes at once.
        Assert.True(backplane.StartAsync(hub, TestContext.Current.CancellationToken).IsCompletedSuccessfully);
        return hub;
    }
}
