using PushGateway.Hub;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// Synchronous shorthands for the in-process backplane, which completes publishes and subscriptions
/// at once: a test that got a pending one is wrong, and says so instead of blocking.
/// </summary>
internal static class HubTestExtensions
{
    public static GatewayMessage Publish(this IBroadcastHub hub, string topic, string eventType, string data) =>
        hub.Publish(new MessageDraft([topic], eventType, data));

    /// <summary>Publishes, and returns the message as its subscribers got it (the hub returns its position only).</summary>
    public static GatewayMessage Publish(this IBroadcastHub hub, MessageDraft draft) => GatewayMessage.Create(Completed(hub.PublishAsync(draft)).Position, draft);

    public static Subscription Subscribe(this IBroadcastHub hub, IReadOnlySet<string> topics, string? lastEventId, string transport) =>
        Completed(hub.SubscribeAsync(topics, lastEventId, transport));

    public static TopicPresence GetPresence(this IBroadcastHub hub, string topic) => Completed(hub.GetPresenceAsync(topic));

    private static T Completed<T>(ValueTask<T> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully, "the in-process backplane completes at once");
        return pending.Result;
    }
}
