using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PushGateway.Hosting;

namespace PushGateway.Tests.Hosting;

public sealed class MemoryReclaimServiceTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly UpDownCounter<long> _kestrelConnections;
    private readonly ServerConnectionCounter _counter;
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogger<MemoryReclaimService> _logger = new();
    private int _reclaims;

    public MemoryReclaimServiceTests()
    {
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        _kestrelConnections = meterFactory.Create("Microsoft.AspNetCore.Server.Kestrel").CreateUpDownCounter<long>("kestrel.active_connections");
        _counter = new ServerConnectionCounter(meterFactory);
    }

    public void Dispose()
    {
        _counter.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Check_AfterAFloodOfConnectionsClosed_ReclaimsOnceAndSaysSo()
    {
        var service = CreateService();

        _kestrelConnections.Add(18_000);
        Assert.False(service.Check());
        _kestrelConnections.Add(-18_000);
        Assert.False(service.Check());
        Assert.True(service.Check());
        Assert.False(service.Check());

        Assert.Equal(1, _reclaims);
        var record = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.StartsWith("Connections fell from 18000 to 0: memory reclaimed (1 memory pools renewed)", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FloodOpenedAndClosedBetweenTwoChecks_ReclaimsAtTheNextCheck()
    {
        var service = CreateService();
        Assert.False(service.Check());

        _kestrelConnections.Add(18_000);
        _kestrelConnections.Add(-18_000);

        Assert.False(service.Check());
        Assert.True(service.Check());
        Assert.StartsWith("Connections fell from 18000 to 0", Assert.Single(_logger.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FloodsInQuickSuccession_ReclaimsAtMostOncePerMinimumInterval()
    {
        var service = CreateService();
        for (var flood = 0; flood < 3; flood++)
        {
            _kestrelConnections.Add(5000);
            service.Check();
            _kestrelConnections.Add(-5000);
            service.Check();
            service.Check();
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, _reclaims);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(service.Check());
        Assert.Equal(2, _reclaims);
    }

    private MemoryReclaimService CreateService() =>
        new(_counter, [], _time, Options.Create(new MemoryReclaimOptions()), _logger) { Reclaim = () => ++_reclaims };
}
