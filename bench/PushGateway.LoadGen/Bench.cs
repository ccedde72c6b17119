using System.Diagnostics;
using HdrHistogram;

namespace PushGateway.LoadGen;

/// <summary>
/// Runs every contestant through every scenario, one after another, each server started fresh on
/// its own CPU for each session, and collects the results.
/// </summary>
internal sealed class Bench(BenchOptions options, IReadOnlyList<Contestant> contestants, string logDirectory)
{
    /// <summary>Connections opened and closed before the idle-memory baseline is read.</summary>
    private const int WarmUpConnections = 200;

    private readonly List<PhaseResult> _results = [];

    public IReadOnlyList<PhaseResult> Results => _results;

    public async Task RunAsync()
    {
        for (var repeat = 1; repeat <= options.Repeats; repeat++)
        {
            double? nodeRate = null;
            foreach (var contestant in contestants)
            {
                Console.WriteLine($"[{repeat}/{options.Repeats}] {contestant.Name}");
                var steady = options.SkipMain ? 0 : await RunMainSessionAsync(contestant, repeat, nodeRate).ConfigureAwait(false);
                if (contestant.Name == Contestant.NodeWs && steady > 0)
                {
                    nodeRate = steady / options.Subscribers;
                }

                if (!options.SkipWarmStart)
                {
                    await RunWarmStartAsync(contestant, repeat, steady).ConfigureAwait(false);
                }

                if (!options.SkipLarge)
                {
                    await RunLargeSessionAsync(contestant, repeat).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Saturation at two windows, fixed loads, a stalled subscriber; returns the w64 delivery rate.</summary>
    private async Task<double> RunMainSessionAsync(Contestant contestant, int repeat, double? nodeRate)
    {
        using var server = await StartServerAsync(contestant).ConfigureAwait(false);
        using var pool = await WorkerPool.StartAsync(contestant, server.Port, options.Subscribers, options.GeneratorCpu).ConfigureAwait(false);
        using var publisher = new Publisher(contestant.PublishWith, server.Port, contestant.PublishPath, pool.Counters);
        await publisher.ConnectAsync(CancellationToken.None).ConfigureAwait(false);

        publisher.KeepInFlight(64);
        await Task.Delay(options.Warmup).ConfigureAwait(false);
        double steady = 0;
        foreach (var window in new[] { 16, 64 })
        {
            var result = await MeasureAsync(contestant, window == 16 ? Scenarios.SaturationWindow16 : Scenarios.SaturationWindow64,
                repeat, server, pool, publisher, () => publisher.KeepInFlight(window)).ConfigureAwait(false);
            steady = result.DeliveredPerSecond;
        }

        if (contestant.Name == Contestant.NodeWs)
        {
            nodeRate = steady / pool.Connected;
        }

        if (nodeRate is not { } rate)
        {
            return steady;
        }

        foreach (var percent in options.LoadPercents)
        {
            await MeasureAsync(contestant, Scenarios.Load(percent), repeat, server, pool, publisher,
                () => publisher.PublishAtRate(rate * percent / 100)).ConfigureAwait(false);
        }

        if (!options.SkipStall && contestant.SubscribeWith != Protocol.RawTcp)
        {
            // The highest fixed load: the staller's backlog grows fastest, the others' latency is most exposed.
            await RunStallAsync(contestant, repeat, server, pool, publisher, rate * options.LoadPercents.Max() / 100).ConfigureAwait(false);
        }

        return steady;
    }

    /// <summary>One subscriber stops reading while the others go on at a fixed load.</summary>
    private async Task RunStallAsync(Contestant contestant, int repeat, ServerProcess server, WorkerPool pool, Publisher publisher, double rate)
    {
        var baseline = await MeasureAsync(contestant, Scenarios.StallBaseline, repeat, server, pool, publisher,
            () => publisher.PublishAtRate(rate), options.Stall / 3).ConfigureAwait(false);
        using var staller = new Subscriber(contestant.SubscribeWith, server.Port, contestant.SubscribePath, ledger: null);
        staller.Socket.ReceiveBufferSize = 4096;
        await staller.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
        var before = server.ResidentBytes();
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.ResidentBytes());
                await Task.Delay(250).ConfigureAwait(false);
            }
        });
        var stalled = await MeasureAsync(contestant, Scenarios.Stall, repeat, server, pool, publisher,
            () => publisher.PublishAtRate(rate), options.Stall).ConfigureAwait(false);
        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        var dropped = WasClosedByServer(staller.Socket);
        Replace(stalled, stalled with
        {
            MemoryGrowthBytes = peak - before,
            Note = $"others' p99 {baseline.P99} µs before, {stalled.P99} µs stalled; the staller was {(dropped ? "disconnected by the server" : "still connected")}",
        });
    }

    /// <summary>From process start, under full load at once: how soon the server reaches its steady rate.</summary>
    private async Task RunWarmStartAsync(Contestant contestant, int repeat, double steady)
    {
        var port = ServerProcess.FreePort();
        using var pool = await WorkerPool.LaunchAsync(contestant, port, options.Subscribers, options.GeneratorCpu).ConfigureAwait(false);
        using var server = ServerProcess.Start(contestant, options.ServerCpu, LogPath(contestant), port);
        await pool.WaitConnectedAsync().ConfigureAwait(false);
        using var publisher = new Publisher(contestant.PublishWith, server.Port, contestant.PublishPath, pool.Counters);
        await publisher.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
        publisher.KeepInFlight(64);

        // Delivery rate in 250 ms buckets, counted from the moment the process was started.
        const double bucket = 0.25;
        var timeline = new List<double>();
        var secondsSinceStart = Stopwatch.GetElapsedTime(server.StartedAt).TotalSeconds;
        var firstBucket = (int)Math.Ceiling(secondsSinceStart / bucket);
        for (var i = 0; i < firstBucket; i++)
        {
            timeline.Add(0);
        }

        var delivered = pool.Counters.TotalDelivered();
        var end = firstBucket + (int)(options.WarmStartSpan.TotalSeconds / bucket);
        for (var i = firstBucket; i < end; i++)
        {
            var due = server.StartedAt + (long)((i + 1) * bucket * Stopwatch.Frequency);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)).ConfigureAwait(false);
            }

            var now = pool.Counters.TotalDelivered();
            timeline.Add((now - delivered) / bucket);
            delivered = now;
        }

        // The rate over the last second (four buckets): single buckets are too bursty to judge by.
        const int window = 4;
        double? reached = null;
        for (var i = window - 1; i < timeline.Count && steady > 0; i++)
        {
            if (timeline.Skip(i - window + 1).Take(window).Average() >= 0.9 * steady)
            {
                reached = (i + 1) * bucket;
                break;
            }
        }

        _results.Add(new PhaseResult(contestant.Name, Scenarios.WarmStart, repeat, pool.Connected)
        {
            SecondsTo90Percent = reached,
            Timeline = timeline,
            Note = $"steady {steady:F0}/s; all subscribers connected and publishing {secondsSinceStart:F2} s after start",
        });
        Console.WriteLine($"    warm start: 90% of steady at {(reached is { } r ? $"{r:F2} s" : "never")} (publishing from {secondsSinceStart:F2} s)");
    }

    /// <summary>Idle memory per connection and saturation with many subscribers.</summary>
    private async Task RunLargeSessionAsync(Contestant contestant, int repeat)
    {
        using var server = await StartServerAsync(contestant).ConfigureAwait(false);
        // The first connections run code for the first time (JIT, pages of precompiled code, metric storage made on
        // first use): a few hundred come and go before the baseline, so that what is divided is what connections hold.
        using (await WorkerPool.StartAsync(contestant, server.Port, WarmUpConnections, options.GeneratorCpu).ConfigureAwait(false))
        {
        }

        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var before = server.ResidentBytes();
        using var pool = await WorkerPool.StartAsync(contestant, server.Port, options.LargeSubscribers, options.GeneratorCpu).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        var idle = server.ResidentBytes();
        var perConnection = (double)(idle - before) / Math.Max(1, pool.Connected);
        _results.Add(new PhaseResult(contestant.Name, Scenarios.Idle, repeat, pool.Connected) { BytesPerConnection = perConnection });
        Console.WriteLine($"    idle: {pool.Connected} connections, {perConnection / 1024:F2} KiB each (RSS {before >> 20} → {idle >> 20} MiB)");

        using var publisher = new Publisher(contestant.PublishWith, server.Port, contestant.PublishPath, pool.Counters);
        await publisher.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
        publisher.KeepInFlight(64);
        await Task.Delay(options.Warmup).ConfigureAwait(false);
        await MeasureAsync(contestant, Scenarios.SaturationLarge, repeat, server, pool, publisher, () => publisher.KeepInFlight(64)).ConfigureAwait(false);
    }

    private async Task<ServerProcess> StartServerAsync(Contestant contestant)
    {
        var server = ServerProcess.Start(contestant, options.ServerCpu, LogPath(contestant));
        await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        // Let start-up work (JIT, first GCs) settle before the baseline memory is read.
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        return server;
    }

    private async Task<PhaseResult> MeasureAsync(
        Contestant contestant, string scenario, int repeat, ServerProcess server, WorkerPool pool, Publisher publisher,
        Action start, TimeSpan? duration = null)
    {
        var counters = pool.Counters;
        await DrainAsync(publisher, counters).ConfigureAwait(false);
        var phaseDelivered = counters.TotalDelivered();
        var phaseSequence = publisher.Sequence;
        start();
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);

        await pool.StartMeasuringAsync().ConfigureAwait(false);
        var startedAt = Stopwatch.GetTimestamp();
        var cpuBefore = server.CpuSeconds();
        var deliveredBefore = counters.TotalDelivered();
        var sequenceBefore = publisher.Sequence;
        await Task.Delay(duration ?? options.Measure).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var cpu = server.CpuSeconds() - cpuBefore;
        var delivered = counters.TotalDelivered() - deliveredBefore;
        var published = publisher.Sequence - sequenceBefore;
        var histogram = await pool.StopMeasuringAsync().ConfigureAwait(false);

        publisher.Pause();
        await DrainAsync(publisher, counters).ConfigureAwait(false);
        var expected = (double)(publisher.Sequence - phaseSequence) * pool.Connected;
        var result = new PhaseResult(contestant.Name, scenario, repeat, pool.Connected)
        {
            DeliveredPerSecond = delivered / elapsed,
            PublishedPerSecond = published / elapsed,
            Reach = expected > 0 ? (counters.TotalDelivered() - phaseDelivered) / expected : 0,
            P50 = Percentile(histogram, 50),
            P99 = Percentile(histogram, 99),
            P999 = Percentile(histogram, 99.9),
            Max = histogram.TotalCount > 0 ? histogram.GetMaxValue() : 0,
            ServerCpuNanosecondsPerDelivery = delivered > 0 ? cpu * 1e9 / delivered : 0,
            ServerCpuShare = cpu / elapsed,
            Note = publisher.Failure,
        };
        _results.Add(result);
        Console.WriteLine(
            $"    {scenario,-22} {result.DeliveredPerSecond,12:N0} msg/s  reach {result.Reach:P2}  p50 {result.P50,7} µs  p99 {result.P99,7} µs  " +
            $"p99.9 {result.P999,7} µs  max {result.Max,8} µs  cpu {result.ServerCpuNanosecondsPerDelivery,6:F0} ns/msg ({result.ServerCpuShare:P0})" +
            (counters.TotalLost() > 0 ? $"  lost {counters.TotalLost()} subscribers" : "") + (publisher.Failure is { } f ? $"  ! {f}" : ""));
        return result;
    }

    /// <summary>Waits until every live subscriber has everything published, or progress stops.</summary>
    private static async Task DrainAsync(Publisher publisher, SharedCounters counters)
    {
        publisher.Pause();
        var lastProgress = Stopwatch.GetTimestamp();
        var delivered = counters.TotalDelivered();
        while (counters.LowestWatermark() < publisher.Sequence)
        {
            await Task.Delay(10).ConfigureAwait(false);
            var now = counters.TotalDelivered();
            if (now != delivered)
            {
                (delivered, lastProgress) = (now, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(3))
            {
                return;
            }
        }
    }

    /// <summary>Reads what the server had queued for the staller: true if that ends in a close or a reset.</summary>
    private static bool WasClosedByServer(System.Net.Sockets.Socket socket)
    {
        socket.Blocking = false;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                if (socket.Receive(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (System.Net.Sockets.SocketException exception)
        {
            return exception.SocketErrorCode != System.Net.Sockets.SocketError.WouldBlock;
        }
    }

    private static long Percentile(LongHistogram histogram, double percentile) =>
        histogram.TotalCount > 0 ? histogram.GetValueAtPercentile(percentile) : 0;

    private void Replace(PhaseResult old, PhaseResult updated) => _results[_results.IndexOf(old)] = updated;

    private string LogPath(Contestant contestant) => Path.Combine(logDirectory, contestant.Name + ".log");
}
