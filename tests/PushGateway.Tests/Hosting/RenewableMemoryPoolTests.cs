using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

public sealed class RenewableMemoryPoolTests
{
    [Fact]
    public void Renew_DisposesTheOldPoolAndRentsFromAFreshOne()
    {
        var created = new List<CountingPool>();
        using var pool = new RenewableMemoryPool(() => Track(created, new CountingPool()));
        using var before = pool.Rent();

        Assert.True(pool.Renew());
        using var after = pool.Rent();

        Assert.Equal(2, created.Count);
        Assert.True(created[0].IsDisposed);
        Assert.False(created[1].IsDisposed);
        Assert.Equal([1, 1], created.Select(p => p.Rented));
    }

    [Fact]
    public void Rent_RenewedWhileRenting_RentsFromTheNewPool()
    {
        var created = new List<CountingPool>();
        RenewableMemoryPool? pool = null;
        // The first pool is renewed, and so disposed, between the wrapper reading it and renting from it.
        using var wrapper = pool = new RenewableMemoryPool(() => Track(created, new CountingPool(created.Count == 0 ? () => pool!.Renew() : null)));

        using var block = wrapper.Rent();

        Assert.Equal([0, 1], created.Select(p => p.Rented));
    }

    [Fact]
    public void Renew_AfterDispose_DoesNothing()
    {
        var created = new List<CountingPool>();
        var pool = new RenewableMemoryPool(() => Track(created, new CountingPool()));

        pool.Dispose();

        Assert.False(pool.Renew());
        Assert.Single(created);
        Assert.True(created[0].IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public async Task RenewAll_WhileStreamsAreOpen_KestrelKeepsServingThemAndNewOnes()
    {
        using var gateway = new GatewayFactory();
        await using var before = await SseTestClient.ConnectAsync(gateway, "sse?topic=news");

        var renewed = gateway.Services.GetRequiredService<RenewableMemoryPoolFactory>().RenewAll();
        await using var after = await SseTestClient.ConnectAsync(gateway, "sse?topic=news");
        gateway.Hub.Publish("news", EventTypes.Message, new string('x', 10_000));

        Assert.True(renewed > 0, "Kestrel takes its pools from the renewable factory");
        Assert.Equal(10_000, (await before.NextAsync()).Data.Length);
        Assert.Equal(10_000, (await after.NextAsync()).Data.Length);
    }

    [Fact]
    public void AddRenewableMemoryPools_CalledTwice_WrapsTheServersFactoryOnce()
    {
        var created = new List<CountingPool>();
        var services = new ServiceCollection();
        services.AddSingleton<IMemoryPoolFactory<byte>>(new ServerFactory(() => Track(created, new CountingPool())));

        services.AddRenewableMemoryPools().AddRenewableMemoryPools();
        using var provider = services.BuildServiceProvider();
        using var pool = provider.GetRequiredService<IMemoryPoolFactory<byte>>().Create();
        using var block = pool.Rent();

        Assert.IsType<RenewableMemoryPool>(pool);
        Assert.Equal(1, Assert.Single(created).Rented);
    }

    [Fact]
    public void AddRenewableMemoryPools_WithoutAServer_AddsNothing()
    {
        var services = new ServiceCollection();

        services.AddRenewableMemoryPools();

        Assert.Empty(services);
    }

    private static CountingPool Track(List<CountingPool> created, CountingPool pool)
    {
        created.Add(pool);
        return pool;
    }

    private sealed class ServerFactory(Func<MemoryPool<byte>> create) : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => create();
    }

    /// <summary>Counts rents; throws as Kestrel's pool does once disposed. <paramref name="beforeRent"/> runs inside the first rent.</summary>
    private sealed class CountingPool(Action? beforeRent = null) : MemoryPool<byte>
    {
        private Action? _beforeRent = beforeRent;

        public int Rented { get; private set; }

        public bool IsDisposed { get; private set; }

        public override int MaxBufferSize => 4096;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Interlocked.Exchange(ref _beforeRent, null)?.Invoke();
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            Rented++;
            return MemoryPool<byte>.Shared.Rent(minBufferSize);
        }

        protected override void Dispose(bool disposing) => IsDisposed = true;
    }
}
