using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using PushGateway.Hosting;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

public sealed class ServerConnectionCounterTests
{
    [Fact]
    public void Open_FollowsKestrelsActiveConnectionsOfItsOwnHostOnly()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var others = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var ours = KestrelActiveConnections(services.GetRequiredService<IMeterFactory>());
        var theirs = KestrelActiveConnections(others.GetRequiredService<IMeterFactory>());
        using var counter = new ServerConnectionCounter(services.GetRequiredService<IMeterFactory>());

        ours.Add(3);
        theirs.Add(100);
        ours.Add(-1);

        Assert.Equal(2, counter.Open);
    }

    [Fact]
    public void TakeHighest_GivesTheHighestCountSinceThePreviousCall()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var connections = KestrelActiveConnections(services.GetRequiredService<IMeterFactory>());
        using var counter = new ServerConnectionCounter(services.GetRequiredService<IMeterFactory>());

        connections.Add(5);
        connections.Add(-4);
        var first = counter.TakeHighest();
        var second = counter.TakeHighest();

        Assert.Equal(5, first);
        Assert.Equal(1, second);
    }

    [Fact]
    public async Task Open_CountsBareConnectionsThatNeverSendARequest()
    {
        using var gateway = new GatewayFactory();
        var counter = gateway.Services.GetRequiredService<ServerConnectionCounter>();
        var endpoint = new IPEndPoint(IPAddress.Loopback, gateway.HttpAddress.Port);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(endpoint, TestTimeout.Token());
            }

            await Eventually.ReachAsync(() => Task.FromResult(counter.Open == 3), "three open connections counted");
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }

        await Eventually.ReachAsync(() => Task.FromResult(counter.Open == 0), "the closed connections no longer counted");
    }

    private static UpDownCounter<long> KestrelActiveConnections(IMeterFactory meterFactory) =>
        meterFactory.Create("Microsoft.AspNetCore.Server.Kestrel").CreateUpDownCounter<long>("kestrel.active_connections");
}
