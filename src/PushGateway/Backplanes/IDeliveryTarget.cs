using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>A node's hub, as the backplane sees it: handed to <see cref="IBackplane.StartAsync"/>.</summary>
internal interface IDeliveryTarget
{
    /// <summary>
    /// Fans a message out to this node's subscribers. Messages with an id come in id order, one at a time; a
    /// message for this node only (<see cref="IBackplane.PublishToThisNodeAsync"/>, no id) may come between them.
    /// </summary>
    void Deliver(GatewayMessage message);

    /// <summary>This node's subscribers by topic, for cluster-wide presence.</summary>
    IReadOnlyDictionary<string, int> SubscriberCounts();
}
