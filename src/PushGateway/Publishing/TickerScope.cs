namespace PushGateway.Publishing;

/// <summary>Where ticks go when several nodes share a backplane.</summary>
internal enum TickerScope
{
    /// <summary>Each node ticks for its own clients; ticks carry no id and are not kept (the default).</summary>
    Node,

    /// <summary>
    /// Ticks go through the backplane, with ids and history, to every node's clients: each interval, from the
    /// node that claims it first, so that the cluster ticks once per interval.
    /// </summary>
    Cluster,
}
