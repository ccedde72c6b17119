namespace PushGateway.Hub;

/// <summary>A topic as this node sees it now.</summary>
/// <param name="Subscribers">Open subscriptions to the topic.</param>
/// <param name="LastEventId">The id of the newest message on it still held in history, if any.</param>
internal sealed record TopicPresence(int Subscribers, string? LastEventId);
