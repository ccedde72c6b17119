using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability;

/// <summary>The backplane's instruments on a node with a real redis-server, through an outage.</summary>
public sealed class RedisMetricsTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private GatewayFactory _node = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _node = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Redis:Configuration"] = _redis.Configuration,
            ["PushGateway:Ticker:Enabled"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisOutage_TurnsUpToZero_LagGrowsWithTheOutage_AndBothRecoverAfterRestart()
    {
        var meters = _node.Services.GetRequiredService<IMeterFactory>();
        using var up = new MetricCollector<int>(meters, GatewayMetrics.MeterName, "pushgateway.backplane.up");
        using var lag = new MetricCollector<double>(meters, GatewayMetrics.MeterName, "pushgateway.backplane.lag");
        using var publishDuration = new MetricCollector<double>(meters, GatewayMetrics.MeterName, "pushgateway.backplane.publish.duration");
        await using var stream = await SseTestClient.ConnectAsync(_node, "sse?topic=news");

        await _node.Hub.PublishAsync("news", "update", "before", TestTimeout.Token());
        Assert.Equal("before", (await stream.NextAsync()).Data);
        Assert.Equal((1, 0d), Observe(up, lag));
        var published = Assert.Single(publishDuration.GetMeasurementSnapshot());
        Assert.Equal("redis", published.Tags["backplane"]);
        Assert.False(published.Tags.ContainsKey("error.type"));

        await _redis.StopAsync();
        await Eventually.ReachAsync(() => Task.FromResult(Observe(up, lag).Up == 0), "backplane down");
        _node.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.InRange(Observe(up, lag).Lag, 30, 60);
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await _node.Hub.PublishAsync("news", "update", "lost", TestTimeout.Token()));
        Assert.Equal("unavailable", publishDuration.LastMeasurement!.Tags["error.type"]);

        await _redis.StartAgainAsync();
        await Eventually.ReachAsync(() => Task.FromResult(Observe(up, lag) == (1, 0d)), "backplane up, caught up");
        await _node.Hub.PublishAsync("news", "update", "after", TestTimeout.Token());
        Assert.Equal("after", (await stream.NextAsync()).Data);
    }

    private static (int Up, double Lag) Observe(MetricCollector<int> up, MetricCollector<double> lag)
    {
        up.RecordObservableInstruments();
        lag.RecordObservableInstruments();
        Assert.Equal("redis", up.LastMeasurement!.Tags["backplane"]);
        return (up.LastMeasurement.Value, lag.LastMeasurement!.Value);
    }
}
