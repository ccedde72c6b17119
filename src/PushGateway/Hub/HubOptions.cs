using System.ComponentModel.DataAnnotations;

namespace PushGateway.Hub;

/// <summary>The broadcast hub; bound from <c>PushGateway:Hub</c>.</summary>
internal sealed class HubOptions
{
    public const string Section = "PushGateway:Hub";

    /// <summary>
    /// Messages a subscriber may have waiting before it counts as too slow and is dropped. Default 1024.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SubscriberQueueCapacity { get; set; } = 1024;

    /// <summary>Most topics one connection may subscribe to. Default 32.</summary>
    [Range(1, 10_000)]
    public int MaxTopicsPerConnection { get; set; } = 32;

    /// <summary>Recent messages kept for <c>Last-Event-ID</c> resume, across all topics. Default 1000.</summary>
    [Range(0, 10_000_000)]
    public int HistorySize { get; set; } = 1000;
}
