using System.ComponentModel.DataAnnotations;

namespace PushGateway.Publishing;

/// <summary>The server-time ticker; bound from <c>PushGateway:Ticker</c>.</summary>
internal sealed class TickerOptions
{
    public const string Section = "PushGateway:Ticker";

    /// <summary>Whether the ticker publishes at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>With a shared backplane: ticks per node (default) or through the backplane, once per interval for the cluster.</summary>
    [EnumDataType(typeof(TickerScope))]
    public TickerScope Scope { get; set; } = TickerScope.Node;

    /// <summary>Time between ticks. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}
