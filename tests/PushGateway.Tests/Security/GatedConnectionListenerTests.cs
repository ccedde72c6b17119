using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PushGateway.Security;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class GatedConnectionListenerTests
{
    private const int MaxSockets = 64;

    [Fact]
    public async Task AcceptAsync_AtTheSocketCeiling_WaitsUntilAConnectionCloses()
    {
        var inner = new FakeListener();
        await using var listener = new GatedConnectionListener(inner, Gate());
        for (var i = 0; i < MaxSockets; i++)
        {
            Assert.NotNull(await listener.AcceptAsync(TestContext.Current.CancellationToken));
        }

        var next = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(next.IsCompleted);
        Assert.Equal(MaxSockets, inner.Accepted);

        await inner.Closing[0].CancelAsync();

        Assert.NotNull(await next.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        Assert.Equal(MaxSockets + 1, inner.Accepted);
    }

    [Fact]
    public async Task UnbindAsync_WhileAnAcceptWaitsForRoom_EndsItWithNoConnection()
    {
        var inner = new FakeListener();
        await using var listener = new GatedConnectionListener(inner, Gate());
        for (var i = 0; i < MaxSockets; i++)
        {
            await listener.AcceptAsync(TestContext.Current.CancellationToken);
        }

        var next = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        await listener.UnbindAsync(TestContext.Current.CancellationToken);

        Assert.Null(await next.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        Assert.Equal(MaxSockets, inner.Accepted);
    }

    /// <summary>A gate of <see cref="MaxSockets"/>: the process's own limit less a reserve that leaves that many.</summary>
    private static SocketGate Gate()
    {
        var openFiles = OpenFiles.SoftLimit();
        Assert.SkipWhen(openFiles is null, "needs /proc/self/limits (Linux)");
        var budget = new SocketBudget(Options.Create(new LimitsOptions { ReservedFileDescriptors = (int)(openFiles.Value - MaxSockets) }));
        return new SocketGate(budget, NullLogger<SocketGate>.Instance);
    }

    private sealed class FakeListener : IConnectionListener
    {
        public List<CancellationTokenSource> Closing { get; } = [];

        public int Accepted => Closing.Count;

        public EndPoint EndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 0);

        public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var closing = new CancellationTokenSource();
            Closing.Add(closing);
            return ValueTask.FromResult<ConnectionContext?>(new DefaultConnectionContext { ConnectionClosed = closing.Token });
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync()
        {
            Closing.ForEach(closing => closing.Dispose());
            return ValueTask.CompletedTask;
        }
    }
}
