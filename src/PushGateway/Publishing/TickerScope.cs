namespace PushGateway.Publishing;

/// <summary>Where ticks go when several nodes share a backplane.</summary>
public enum TickerScope
{
    /// <summary>Each node ticks for its own clients; ticks carry no id and are not kept (the default).</summary>
    Node,

    /// <summary>Every node's ticks go through the backplane, with ids and history, to every node's clients.</summary>
    Cluster,
}
