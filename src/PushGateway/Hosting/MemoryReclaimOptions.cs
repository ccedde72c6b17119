using System.ComponentModel.DataAnnotations;

namespace PushGateway.Hosting;

/// <summary>
/// Giving memory back after many connections closed (<see cref="MemoryReclaimService"/>); bound
/// from <c>PushGateway:MemoryReclaim</c>.
/// </summary>
internal sealed class MemoryReclaimOptions
{
    public const string Section = "PushGateway:MemoryReclaim";

    /// <summary>Whether the node reclaims memory after a drop in connections at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the count of open connections is looked at. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Fewest connections that must have closed since the highest count (and at least half of that
    /// count) before a reclaim is worth its pause. Default 1000.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MinimumDrop { get; set; } = 1000;

    /// <summary>Shortest time between two reclaims, which each pause the process briefly. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromSeconds(30);
}
