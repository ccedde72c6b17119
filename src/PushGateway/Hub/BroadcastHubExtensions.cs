namespace PushGateway.Hub;

internal static class BroadcastHubExtensions
{
    /// <summary>Publishes <paramref name="data"/> on one topic, without idempotency key; returns the backplane's answer.</summary>
    public static ValueTask<PublishResult> PublishAsync(
        this IBroadcastHub hub, string topic, string eventType, string data, CancellationToken cancellationToken = default) =>
        hub.PublishAsync(new MessageDraft([topic], eventType, data), cancellationToken);
}
