using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HdrHistogram;

namespace PushGateway.LoadGen;

/// <summary>
/// The subscriber processes of one session: each holds at most <see cref="MaxPerWorker"/>
/// connections (the open-files limit is 20,000 per process), all pinned to the generator's CPU.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    public const int MaxPerWorker = 5_000;
    private readonly List<Process> _workers = [];

    private WorkerPool(SharedCounters counters, string shmPath)
    {
        Counters = counters;
        ShmPath = shmPath;
    }

    public SharedCounters Counters { get; }

    public string ShmPath { get; }

    public int Connected { get; private set; }

    public static async Task<WorkerPool> StartAsync(Contestant contestant, int port, int connections, int cpu)
    {
        var pool = await LaunchAsync(contestant, port, connections, cpu).ConfigureAwait(false);
        await pool.WaitConnectedAsync().ConfigureAwait(false);
        return pool;
    }

    /// <summary>Starts the processes, which connect (retrying until the server listens) on their own.</summary>
    public static async Task<WorkerPool> LaunchAsync(Contestant contestant, int port, int connections, int cpu)
    {
        var workers = Math.Max(1, (connections + MaxPerWorker - 1) / MaxPerWorker);
        var shmPath = $"/dev/shm/pushgateway-loadgen-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var pool = new WorkerPool(new SharedCounters(shmPath, workers), shmPath);
        for (var slot = 0; slot < workers; slot++)
        {
            var share = (connections / workers) + (slot < connections % workers ? 1 : 0);
            var start = new ProcessStartInfo("taskset")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // Socket continuations run on the epoll thread: no thread-pool hop per receive, for the generator only.
            start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
            foreach (var argument in new[]
            {
                "-c", cpu.ToString(CultureInfo.InvariantCulture), Environment.ProcessPath!, typeof(Worker).Assembly.Location, "worker",
                contestant.SubscribeWith.ToString(), port.ToString(CultureInfo.InvariantCulture), contestant.SubscribePath,
                share.ToString(CultureInfo.InvariantCulture), shmPath, workers.ToString(CultureInfo.InvariantCulture),
                slot.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }

            pool._workers.Add(Process.Start(start)!);
        }

        foreach (var worker in pool._workers)
        {
            await worker.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        }

        return pool;
    }

    public async Task WaitConnectedAsync()
    {
        foreach (var worker in _workers)
        {
            var line = await worker.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? "CONNECTED 0 1 the worker exited";
            var parts = line.Split(' ', 4);
            Connected += int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (parts[2] != "0")
            {
                Console.WriteLine($"    ! {parts[2]} subscribers failed to connect: {(parts.Length > 3 ? parts[3] : "")}");
            }
        }
    }

    public async Task StartMeasuringAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.StandardInput.WriteLineAsync("MEASURE").ConfigureAwait(false);
            await worker.StandardInput.FlushAsync().ConfigureAwait(false);
        }

        foreach (var worker in _workers)
        {
            await worker.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        }
    }

    public async Task<LongHistogram> StopMeasuringAsync()
    {
        var merged = LatencyRecorder.NewHistogram();
        foreach (var worker in _workers)
        {
            await worker.StandardInput.WriteLineAsync("REPORT").ConfigureAwait(false);
            await worker.StandardInput.FlushAsync().ConfigureAwait(false);
        }

        foreach (var worker in _workers)
        {
            var line = await worker.StandardOutput.ReadLineAsync().ConfigureAwait(false);
            LatencyRecorder.AddPairs(merged, JsonSerializer.Deserialize<long[][]>(line ?? "[]") ?? []);
        }

        return merged;
    }

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            try
            {
                worker.StandardInput.WriteLine("QUIT");
                worker.StandardInput.Flush();
                if (!worker.WaitForExit(5_000))
                {
                    worker.Kill();
                }
            }
            catch (IOException)
            {
                // Already gone.
            }

            worker.Dispose();
        }

        Counters.Dispose();
        File.Delete(ShmPath);
    }
}
