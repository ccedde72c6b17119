using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PushGateway.Observability.LiveStats;

namespace PushGateway.Tests.Observability.LiveStats;

/// <summary>
/// The sampler on a meter factory of its own, with instruments named as the gateway's (some not on
/// <c>GatewayMetrics</c> yet): what each second's point makes of their measurements.
/// </summary>
public sealed class LiveStatsSamplerTests : IDisposable
{
    private static readonly DateTimeOffset End = new(2026, 11, 25, 12, 0, 1, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Meter _meter;
    private readonly LiveStatsSampler _sampler;

    public LiveStatsSamplerTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _meter = factory.Create("PushGateway");
        _sampler = new LiveStatsSampler(factory);
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Sample_Counters_GiveWhatWasAddedSinceTheLastSample()
    {
        var published = _meter.CreateCounter<long>("pushgateway.messages.published");
        var delivered = _meter.CreateCounter<long>("pushgateway.messages.delivered");
        var dropped = _meter.CreateCounter<long>("pushgateway.subscribers.dropped");
        published.Add(1, new KeyValuePair<string, object?>("source", "publish_api"));
        published.Add(2, new KeyValuePair<string, object?>("source", "websocket"));
        delivered.Add(5, new KeyValuePair<string, object?>("transport", "ws"));
        delivered.Add(7, new KeyValuePair<string, object?>("transport", "sse"));
        dropped.Add(1);

        var first = _sampler.Sample(End);
        published.Add(4);
        var second = _sampler.Sample(End.AddSeconds(1));

        Assert.Equal((3L, 12L, 1L), (first.Published, first.Delivered, first.Dropped));
        Assert.Equal((4L, 0L, 0L), (second.Published, second.Delivered, second.Dropped));
        Assert.Equal(End.ToUnixTimeMilliseconds(), first.T);
    }

    [Fact]
    public void Sample_AnObservableCounterOfTotals_GivesTheirGrowthSinceTheLastSample()
    {
        long ws = 10, sse = 5;
        _meter.CreateObservableCounter("pushgateway.messages.delivered", () => new[]
        {
            new Measurement<long>(ws, new KeyValuePair<string, object?>("transport", "ws")),
            new Measurement<long>(sse, new KeyValuePair<string, object?>("transport", "sse")),
        });

        var first = _sampler.Sample(End);
        ws += 7;
        sse += 1;
        var second = _sampler.Sample(End.AddSeconds(1));
        var third = _sampler.Sample(End.AddSeconds(2));

        Assert.Equal(15, first.Delivered);
        Assert.Equal(8, second.Delivered);
        Assert.Equal(0, third.Delivered);
    }

    [Fact]
    public void Sample_InstrumentsThatDoNotExist_AreNullNotZero()
    {
        var point = _sampler.Sample(End);

        Assert.Null(point.Published);
        Assert.Null(point.Delivered);
        Assert.Null(point.Dropped);
        Assert.Null(point.LatencyMs);
        Assert.Null(point.BackplaneUp);
        Assert.Empty(point.Connections);
    }

    [Fact]
    public void Sample_ActiveConnections_AreSummedPerTransportAndKeptAcrossSamples()
    {
        var active = _meter.CreateUpDownCounter<long>("pushgateway.connections.active");
        var ws = new KeyValuePair<string, object?>("transport", "ws");
        var sse = new KeyValuePair<string, object?>("transport", "sse");
        active.Add(1, ws);
        active.Add(1, ws);
        active.Add(1, sse);
        active.Add(-1, ws);

        var first = _sampler.Sample(End);
        active.Add(1, sse);
        var second = _sampler.Sample(End.AddSeconds(1));

        Assert.Equal(new Dictionary<string, long> { ["sse"] = 1, ["ws"] = 1 }, first.Connections);
        Assert.Equal(new Dictionary<string, long> { ["sse"] = 2, ["ws"] = 1 }, second.Connections);
    }

    [Fact]
    public void Sample_DeliveryDuration_GivesThatSecondsPercentilesInMilliseconds()
    {
        var duration = _meter.CreateHistogram<double>("pushgateway.delivery.duration", "s");
        // 1..100 ms, one each: p50 = 50 ms, p90 = 90 ms, p99 = 99 ms.
        for (var ms = 1; ms <= 100; ms++)
        {
            duration.Record(ms / 1000.0, new KeyValuePair<string, object?>("transport", ms % 2 == 0 ? "ws" : "sse"));
        }

        var latency = _sampler.Sample(End).LatencyMs;
        var next = _sampler.Sample(End.AddSeconds(1)).LatencyMs;

        Assert.NotNull(latency);
        // Reported as the upper edge of a bucket at most 12.5 % wide.
        Assert.InRange(latency.P50, 50, 50 * 1.125);
        Assert.InRange(latency.P90, 90, 90 * 1.125);
        Assert.InRange(latency.P99, 99, 99 * 1.125);
        Assert.Null(next);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void Sample_BackplaneUpGauge_IsObservedAtEachSample(int value, bool expected)
    {
        var current = value;
        _meter.CreateObservableGauge("pushgateway.backplane.up", () => new Measurement<int>(current, new KeyValuePair<string, object?>("backplane", "redis")));

        var first = _sampler.Sample(End);
        current = 1 - value;
        var second = _sampler.Sample(End.AddSeconds(1));

        Assert.Equal(expected, first.BackplaneUp);
        Assert.Equal(!expected, second.BackplaneUp);
    }

    [Fact]
    public void Sample_AnotherHostsMeterOfTheSameName_IsNotCounted()
    {
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var other = otherServices.GetRequiredService<IMeterFactory>().Create("PushGateway");
        var ours = _meter.CreateCounter<long>("pushgateway.messages.published");
        var theirs = other.CreateCounter<long>("pushgateway.messages.published");

        ours.Add(1);
        theirs.Add(100);

        Assert.Equal(1, _sampler.Sample(End).Published);
    }
}
