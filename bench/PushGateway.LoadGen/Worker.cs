using System.Net.Sockets;
using System.Text.Json;

namespace PushGateway.LoadGen;

/// <summary>
/// A subscriber process: opens its share of the connections, then receives until told to quit.
/// Talks to the orchestrator through stdin/stdout lines and the shared counters.
/// </summary>
internal static class Worker
{
    private const int ConnectConcurrency = 64;

    public static async Task<int> RunAsync(Protocol protocol, int port, string path, int connections, string shmPath, int slots, int slot)
    {
        // Ready before the server is: a warm-start measurement must not include this process's own start-up.
        Console.WriteLine("STARTED");
        using var counters = new SharedCounters(shmPath, slots);
        var ledger = new DeliveryLedger(counters, slot);
        var subscribers = new List<Subscriber>(connections);
        var receiving = new List<Task>(connections);
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        var failures = 0;
        string? firstError = null;

        var connecting = Enumerable.Range(0, connections).Select(async _ =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var (subscriber, pending) = await ConnectAsync(protocol, port, path, ledger, timeout.Token).ConfigureAwait(false);
                lock (subscribers)
                {
                    subscribers.Add(subscriber);
                    ledger.Joined();
                    Interlocked.Increment(ref counters.Connected(slot));
                    receiving.Add(RunSubscriberAsync(subscriber, pending, ledger));
                }
            }
            catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstError, exception.Message, null);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(connecting).ConfigureAwait(false);
        Console.WriteLine($"CONNECTED {subscribers.Count} {failures} {firstError}");

        using var pings = StartSignalRPings(subscribers);
        // Off the socket threads: with inline completions this code may be running on the epoll thread, which must never block.
        await Task.Factory.StartNew(CommandLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        return 0;
    }

    private static void CommandLoop()
    {
        while (Console.ReadLine() is { } command)
        {
            switch (command)
            {
                case "MEASURE":
                    LatencyRecorder.Start();
                    Console.WriteLine("OK");
                    break;
                case "REPORT":
                    var histogram = LatencyRecorder.Stop();
                    Console.WriteLine(JsonSerializer.Serialize(LatencyRecorder.ToPairs(histogram)));
                    break;
                case "QUIT":
                    // Exit at once: closing thousands of sockets one by one only makes the next server wait.
                    Environment.Exit(0);
                    break;
            }
        }
    }

    /// <summary>Connects, retrying while the server is not listening yet (it may be starting).</summary>
    private static async Task<(Subscriber Subscriber, int Pending)> ConnectAsync(
        Protocol protocol, int port, string path, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        while (true)
        {
            var subscriber = new Subscriber(protocol, port, path, ledger);
            try
            {
                return (subscriber, await subscriber.ConnectAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionRefused)
            {
                subscriber.Dispose();
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task RunSubscriberAsync(Subscriber subscriber, int pending, DeliveryLedger ledger)
    {
        await Task.Yield();
        await subscriber.ReceiveAsync(pending).ConfigureAwait(false);
        ledger.Left();
    }

    /// <summary>A SignalR server closes a client it has not heard from in 30 s: ping every 10 s.</summary>
    private static Timer? StartSignalRPings(List<Subscriber> subscribers)
    {
        if (subscribers.Count == 0 || !subscribers[0].IsSignalR)
        {
            return null;
        }

        var frame = new byte[32];
        var length = Wire.WriteMaskedTextFrame(frame, Wire.SignalRPing);
        return new Timer(_ =>
        {
            foreach (var subscriber in subscribers)
            {
                try
                {
                    subscriber.Socket.Send(frame.AsSpan(0, length));
                }
                catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                {
                    // That subscriber is gone; the ledger already knows.
                }
            }
        }, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
    }
}
