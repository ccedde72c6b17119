using System.ComponentModel.DataAnnotations;

namespace PushGateway.Observability.LiveStats;

/// <summary>The live dashboard's numbers; bound from <c>PushGateway:Dashboard</c>.</summary>
internal sealed class LiveStatsOptions
{
    public const string Section = "PushGateway:Dashboard";

    /// <summary>How far back the one-second points go, per node. Default 5 minutes (300 points).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Points kept per node.</summary>
    internal int Capacity => (int)Window.TotalSeconds;
}
