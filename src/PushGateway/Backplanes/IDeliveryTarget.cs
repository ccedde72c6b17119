using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>A node's hub, as the backplane sees it.</summary>
public interface IDeliveryTarget
{
    /// <summary>Fans a message out to this node's subscribers. Called in id order, never concurrently.</summary>
    void Deliver(GatewayMessage message);

    /// <summary>This node's subscribers by topic, for cluster-wide presence.</summary>
    IReadOnlyDictionary<string, int> SubscriberCounts();
}
