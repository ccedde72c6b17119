namespace PushGateway.Observability.LiveStats;

/// <summary>
/// The recent points of this node and of the other nodes heard from (over Redis), kept for
/// <see cref="LiveStatsOptions.Window"/>, and the cluster's sums computed from them. Written once a
/// second per node and read per dashboard request, so a plain lock is enough.
/// </summary>
internal sealed class LiveStatsStore(string selfNode, int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<LiveStatsPoint>> _nodes = new(StringComparer.Ordinal) { [selfNode] = new Queue<LiveStatsPoint>() };

    /// <summary>This node's id: the Redis backplane's when there is one.</summary>
    public string SelfNode { get; } = selfNode;

    /// <summary>Adds points of <paramref name="node"/> newer than its newest held; returns how many were new.</summary>
    public int Add(string node, IEnumerable<LiveStatsPoint> points)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var ring))
            {
                ring = _nodes[node] = new Queue<LiveStatsPoint>(capacity);
            }

            var newest = ring.Count == 0 ? long.MinValue : ring.Last().T;
            var added = 0;
            foreach (var point in points)
            {
                if (point.T <= newest)
                {
                    continue;
                }

                if (ring.Count == capacity)
                {
                    ring.Dequeue();
                }

                ring.Enqueue(point);
                newest = point.T;
                added++;
            }

            return added;
        }
    }

    /// <summary>The newest point time held for <paramref name="node"/>, or null when none.</summary>
    public long? Newest(string node)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(node, out var ring) && ring.Count > 0 ? ring.Last().T : null;
        }
    }

    /// <summary>The other nodes held, to compare with the ones still reporting.</summary>
    public IReadOnlyList<string> Peers()
    {
        lock (_lock)
        {
            return [.. _nodes.Keys.Where(node => node != SelfNode)];
        }
    }

    /// <summary>Forgets a node that stopped reporting.</summary>
    public void Remove(string node)
    {
        if (node != SelfNode)
        {
            lock (_lock)
            {
                _nodes.Remove(node);
            }
        }
    }

    /// <summary>
    /// Every node's points after <paramref name="since"/> (Unix ms), this node first, and their sums up
    /// to the newest second every node has reported: another node's point reaches this one a moment
    /// after this node took its own, and a sum without it would dip.
    /// </summary>
    public LiveStatsResponse Read(long since)
    {
        List<NodeStats> nodes;
        long complete;
        lock (_lock)
        {
            nodes = [.. _nodes
                .OrderBy(pair => pair.Key == SelfNode ? 0 : 1).ThenBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => new NodeStats(pair.Key, [.. pair.Value.Where(point => point.T > since)]))];
            complete = _nodes.Values.Where(ring => ring.Count > 0).Select(ring => ring.Last().T).DefaultIfEmpty(long.MinValue).Min();
        }

        var cluster = nodes
            .SelectMany(node => node.Points)
            .Where(point => point.T <= complete)
            .GroupBy(point => point.T)
            .OrderBy(second => second.Key)
            .Select(second => Sum(second.Key, [.. second]))
            .ToList();
        return new LiveStatsResponse(SelfNode, capacity * 1000L, nodes, new ClusterStats(nodes.Count, cluster));
    }

    private static LiveStatsPoint Sum(long t, LiveStatsPoint[] points)
    {
        var connections = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var point in points)
        {
            foreach (var (transport, count) in point.Connections)
            {
                connections[transport] = connections.GetValueOrDefault(transport) + count;
            }
        }

        var latencies = points.Select(point => point.LatencyMs).OfType<LatencyPercentiles>().ToList();
        var backplanes = points.Select(point => point.BackplaneUp).OfType<bool>().ToList();
        return new LiveStatsPoint(
            t,
            connections,
            SumOf(points, point => point.Published),
            SumOf(points, point => point.Delivered),
            SumOf(points, point => point.Dropped),
            latencies.Count == 0 ? null : new LatencyPercentiles(latencies.Max(l => l.P50), latencies.Max(l => l.P90), latencies.Max(l => l.P99)),
            backplanes.Count == 0 ? null : backplanes.TrueForAll(up => up));
    }

    private static long? SumOf(LiveStatsPoint[] points, Func<LiveStatsPoint, long?> figure)
    {
        long? sum = null;
        foreach (var point in points)
        {
            if (figure(point) is { } value)
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }
}
