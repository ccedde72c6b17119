namespace PushGateway.Hub;

public static class BroadcastHubExtensions
{
    /// <summary>Publishes <paramref name="data"/> on one topic with the hub's own id.</summary>
    public static GatewayMessage Publish(this IBroadcastHub hub, string topic, string eventType, string data) =>
        hub.Publish(new MessageDraft([topic], eventType, data));
}
