namespace PushGateway.Hub;

internal static class BroadcastHubExtensions
{
    /// <summary>Publishes <paramref name="data"/> on one topic; returns the backplane's id.</summary>
    public static ValueTask<MessagePosition> PublishAsync(
        this IBroadcastHub hub, string topic, string eventType, string data, CancellationToken cancellationToken = default) =>
        hub.PublishAsync(new MessageDraft([topic], eventType, data), cancellationToken);
}
