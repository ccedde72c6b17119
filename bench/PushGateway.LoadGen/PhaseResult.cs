namespace PushGateway.LoadGen;

/// <summary>One measurement of one contestant in one scenario and repeat. Latencies in microseconds.</summary>
internal sealed record PhaseResult(string Contestant, string Scenario, int Repeat, int Subscribers)
{
    /// <summary>Messages received by all subscribers together, per second.</summary>
    public double DeliveredPerSecond { get; init; }

    public double PublishedPerSecond { get; init; }

    /// <summary>Received ÷ (published × subscribers) over the whole phase, after draining.</summary>
    public double Reach { get; init; }

    public long P50 { get; init; }

    public long P99 { get; init; }

    public long P999 { get; init; }

    public long Max { get; init; }

    public double ServerCpuNanosecondsPerDelivery { get; init; }

    /// <summary>Share of one core the server used during the measurement.</summary>
    public double ServerCpuShare { get; init; }

    public double? BytesPerConnection { get; init; }

    public double? SecondsTo90Percent { get; init; }

    public long? MemoryGrowthBytes { get; init; }

    public IReadOnlyList<double>? Timeline { get; init; }

    public string? Note { get; init; }
}
