namespace PushGateway.Hosting;

/// <summary>
/// Decides, from the open-connection count seen at each check, when a drop is worth a full
/// collection: at least <see cref="MemoryReclaimOptions.MinimumDrop"/> connections and half of the
/// highest count have gone, the closing has settled (fewer than <c>MinimumDrop</c> closed since the
/// previous check, so one wave of closes costs one reclaim), and the last reclaim is at least
/// <see cref="MemoryReclaimOptions.MinimumInterval"/> ago.
/// </summary>
internal sealed class MemoryReclaimPolicy(MemoryReclaimOptions options, TimeProvider timeProvider)
{
    private long _peak;
    private long _previous;
    private long? _lastReclaim;

    /// <summary>The highest count since the last reclaim.</summary>
    public long Peak => _peak;

    /// <summary>Records the count of this check; true when memory should be reclaimed now.</summary>
    public bool ShouldReclaim(long connections)
    {
        var closedSincePrevious = _previous - connections;
        _previous = connections;
        _peak = Math.Max(_peak, connections);
        var drop = _peak - connections;
        if (drop < options.MinimumDrop || connections > _peak / 2 || closedSincePrevious >= options.MinimumDrop)
        {
            return false;
        }

        if (_lastReclaim is { } last && timeProvider.GetElapsedTime(last) < options.MinimumInterval)
        {
            return false;
        }

        _lastReclaim = timeProvider.GetTimestamp();
        _peak = connections;
        return true;
    }
}
