using System.ComponentModel.DataAnnotations;

namespace PushGateway.Hosting;

/// <summary>
/// How a node stops (<see cref="DrainService"/>): its open <c>/ws</c> and <c>/sse</c> connections are closed in
/// paced batches over <see cref="DrainWindow"/>, so that their clients reconnect elsewhere spread out rather than
/// all in the same second. Bound from <c>PushGateway:Shutdown</c>.
/// </summary>
internal sealed class ShutdownOptions
{
    public const string Section = "PushGateway:Shutdown";

    /// <summary>
    /// The time over which the open connections are closed, from the stop signal (SIGTERM) on. <c>0</c> closes
    /// them all at once; a node without open connections does not wait. The host's shutdown timeout is raised to
    /// fit it (see <see cref="DrainExtensions"/>).
    /// Default 5 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time between two batches of closes within the window. Default 100 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan DrainInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Least reconnection delay an ending event stream advertises: its <c>retry:</c> is drawn at random from
    /// [<see cref="SseRetryMinimum"/>, <see cref="SseRetryMinimum"/> + <see cref="DrainInterval"/>]. A floor, so
    /// that EventSource clients of a node that restarts alone do not retry in a tight loop until it is back.
    /// Default 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SseRetryMinimum { get; set; } = TimeSpan.FromSeconds(1);
}
