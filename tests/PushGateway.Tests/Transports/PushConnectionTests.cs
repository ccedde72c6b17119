using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PushGateway.Backplanes.InProcess;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Publishing;
using PushGateway.Tests.Infrastructure;
using PushGateway.Transports;

namespace PushGateway.Tests.Transports;

/// <summary>
/// The connection skeleton with a transport that records what it is asked to write: what every transport
/// gets from it, whatever its framing (the transports' own tests run them through real clients).
/// </summary>
public sealed class PushConnectionTests : IDisposable
{
    private static readonly HashSet<string> Chat = [BuiltInTopics.Chat];
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly BroadcastHub _hub;
    private readonly GatewayMetrics _metrics;
    private readonly RecordingTransport _transport = new();

    public PushConnectionTests()
    {
        var options = Options.Create(new HubOptions());
        _metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        var backplane = new InProcessBackplane(options, Options.Create(new PublishOptions()), _time);
        _hub = new BroadcastHub(backplane, options, _metrics, NullLogger<BroadcastHub>.Instance);
        // As the host does (BackplaneHost): in-process, the start completes at once.
        Assert.True(backplane.StartAsync(_hub, CancellationToken.None).IsCompletedSuccessfully);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task RunAsync_MessagesQueuedDuringAWrite_GoOutAsOneBatchWithOneFlush()
    {
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription);
        var running = await RunStalledInTheOpeningFlushAsync(connection);

        _hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "a");
        _hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "b");
        _hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "c");
        var batchStalled = _transport.StallNextFlush();
        _transport.Release();
        await batchStalled.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        connection.RequestClose(ConnectionCloseReason.InvalidToken);
        _transport.Release();

        Assert.Same(ConnectionCloseReason.InvalidToken, await _transport.Closed.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        await running.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        Assert.Equal(["opening", "flush", "a", "b", "c", "flush"], _transport.Events);
        Assert.Equal(("1008 invalid token, or it does not allow this topic", "policy"), (connection.CloseLogText, connection.CloseCategory));
    }

    [Theory]
    [InlineData(nameof(SubscriptionCloseReason.ServerShutdown), new[] { "opening", "flush", "a", "b", "flush" }, "shutdown")]
    [InlineData(nameof(SubscriptionCloseReason.SlowConsumer), new[] { "opening", "flush" }, "slow_consumer")]
    public async Task RunAsync_EndedByTheHub_SendsWhatWasQueuedOnlyOnShutdown(string endedBy, string[] events, string category)
    {
        var ended = Enum.Parse<SubscriptionCloseReason>(endedBy);
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription);
        _hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "a");
        _hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "b");
        _hub.Close([subscription], ended);

        await connection.RunAsync().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);

        Assert.Same(ConnectionCloseReason.For(ended), await _transport.Closed.Task);
        Assert.Equal(events, _transport.Events);
        Assert.Equal(category, connection.CloseCategory);
    }

    [Fact]
    public async Task RequestClose_SeveralReasons_TheFirstWins()
    {
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription);
        var running = connection.RunAsync();

        connection.RequestClose(ConnectionCloseReason.RateLimited);
        connection.RequestClose(ConnectionCloseReason.InvalidToken);
        _hub.Close([subscription], SubscriptionCloseReason.ServerShutdown);

        Assert.Same(ConnectionCloseReason.RateLimited, await _transport.Closed.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        await running;
        Assert.Equal(("1008 rate limit exceeded: too many messages", "rate_limit"), (connection.CloseLogText, connection.CloseCategory));
    }

    [Fact]
    public async Task RequestClose_WriteStuckPastTheCloseTimeout_AbortsTheTransportThenCloses()
    {
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription);
        var running = await RunStalledInTheOpeningFlushAsync(connection);

        connection.RequestClose(ConnectionCloseReason.SlowConsumer);
        _time.Advance(CloseTimeout - TimeSpan.FromTicks(1));
        Assert.Equal(0, _transport.Aborts);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(1, _transport.Aborts);
        Assert.Same(ConnectionCloseReason.SlowConsumer, await _transport.Closed.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        await running.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        Assert.Equal(
            ("1008 too slow: send queue overflowed; aborted after the close timeout", "slow_consumer"),
            (connection.CloseLogText, connection.CloseCategory));
    }

    [Fact]
    public async Task TokenExpiry_ClosesTheConnection_UnlessRenewedBefore()
    {
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription, tokenExpires: _time.GetUtcNow().AddMinutes(10));
        var running = connection.RunAsync();

        _time.Advance(TimeSpan.FromMinutes(9));
        connection.RenewTokenExpiry(_time.GetUtcNow().AddMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(connection.IsClosing);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Same(ConnectionCloseReason.TokenExpired, await _transport.Closed.Task.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken));
        await running;
        Assert.Equal("token_expired", connection.CloseCategory);
    }

    [Fact]
    public async Task RunAsync_WriteFails_ClosesWithTheTransportsReasonForIt()
    {
        using var subscription = _hub.Subscribe(Chat, null, "test");
        using var connection = Create(subscription);
        _transport.FailNextFlush(new IOException("connection reset"));

        await connection.RunAsync().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);

        Assert.Equal(("aborted: connection reset", "aborted"), (connection.CloseLogText, connection.CloseCategory));
        Assert.Equal(WebSocketCloseStatus.Empty, (await _transport.Closed.Task).WebSocketStatus);
    }

    /// <summary>Starts the connection, and returns once its writer waits in its first flush.</summary>
    private async Task<Task> RunStalledInTheOpeningFlushAsync(PushConnection connection)
    {
        var stalled = _transport.StallNextFlush();
        var running = connection.RunAsync();
        await stalled.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        return running;
    }

    private PushConnection Create(Subscription subscription, DateTimeOffset? tokenExpires = null) =>
        new(subscription, _transport, CloseTimeout, tokenExpires, _time, _metrics.Deliveries("test"));

    /// <summary>Records the writer loop's calls; a flush can be made to wait (until released or aborted) or to fail.</summary>
    private sealed class RecordingTransport : IConnectionTransport
    {
        private TaskCompletionSource? _armed;
        private TaskCompletionSource? _stall;
        private TaskCompletionSource? _stalled;
        private Exception? _failure;
        private int _aborts;

        public List<string> Events { get; } = [];

        public TaskCompletionSource<ConnectionCloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Aborts => Volatile.Read(ref _aborts);

        /// <summary>Makes the next flush wait; the task completes once it waits.</summary>
        public Task StallNextFlush()
        {
            _stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _armed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _stalled.Task;
        }

        public void FailNextFlush(Exception failure) => _failure = failure;

        public void Release() => Volatile.Read(ref _stall)!.TrySetResult();

        public void WriteOpening() => Events.Add("opening");

        public bool Append(GatewayMessage message)
        {
            Events.Add(message.Data);
            return true;
        }

        public async ValueTask FlushAsync()
        {
            Events.Add("flush");
            if (Interlocked.Exchange(ref _failure, null) is { } failure)
            {
                throw failure;
            }

            if (Interlocked.Exchange(ref _armed, null) is { } stall)
            {
                Volatile.Write(ref _stall, stall);
                _stalled!.TrySetResult();
                await stall.Task;
            }
        }

        public ValueTask CloseAsync(ConnectionCloseReason reason)
        {
            Closed.TrySetResult(reason);
            return ValueTask.CompletedTask;
        }

        public bool Abort()
        {
            Interlocked.Increment(ref _aborts);
            Volatile.Read(ref _stall)?.TrySetException(new OperationCanceledException("aborted"));
            return true;
        }

        public string Describe(ConnectionCloseReason reason) =>
            reason.WebSocketStatus == WebSocketCloseStatus.Empty ? reason.Text : $"{(int)reason.WebSocketStatus} {reason.Text}";

        public ConnectionCloseReason WriteFailed(Exception exception) => ConnectionCloseReason.Aborted(exception.Message);

        public Task ReceiveAsync(PushConnection connection) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
