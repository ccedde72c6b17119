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

    /// <summary>
    /// Records the count of this check and the highest count since the previous one; true when
    /// memory should be reclaimed now, with the highest count since the last reclaim in <paramref name="peak"/>.
    /// </summary>
    public bool ShouldReclaim(long connections, long highestSincePrevious, out long peak)
    {
        var closedSincePrevious = Math.Max(_previous, highestSincePrevious) - connections;
        _previous = connections;
        _peak = Math.Max(_peak, Math.Max(highestSincePrevious, connections));
        peak = _peak;
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
