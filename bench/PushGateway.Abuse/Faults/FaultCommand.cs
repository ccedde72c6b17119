using System.Globalization;
using System.Runtime.InteropServices;
using PushGateway.LoadGen;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// <c>faults</c>: runs the fault suite once, bounded in time, writes <c>bench/results/&lt;date&gt;-faults.md</c>, and returns
/// 1 when a goal was missed. Ctrl-C or SIGTERM ends it early, and every process it started is killed on the way out.
/// </summary>
internal static class FaultCommand
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    public static async Task<int> RunAsync(AbuseOptions options)
    {
        var repository = RunEnvironment.FindRepository();
        var stem = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HHmm", CultureInfo.InvariantCulture) + "-" + options.Label;
        var logs = Path.Combine(repository, "bench", ".build", "logs", stem);
        Directory.CreateDirectory(logs);
        var context = new AbuseContext(Path.GetFullPath(options.GatewayDll, repository), logs, options.ServerCpu, options.ClientCpu, options.RedisServer);
        var machine = RunEnvironment.Machine();
        Console.WriteLine($"{machine}; logs, the Redis data and nginx's configuration in {logs}");

        using var stop = new CancellationTokenSource(Limit);
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Console.WriteLine($"{signal.Signal}: stopping, and killing every process started");
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        var run = new FaultRun();
        string? aborted = null;
        try
        {
            run = await new FaultSuite(context, repository, Path.Combine(logs, "work")).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Whatever the cancellation broke on its way out.
            aborted = $"stopped (interrupted, or past {Limit.TotalMinutes:0} min)";
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or HttpRequestException or System.Net.Sockets.SocketException)
        {
            aborted = $"{exception.GetType().Name}: {exception.Message}";
        }

        var output = Path.GetFullPath(options.Output, repository);
        Directory.CreateDirectory(output);
        var report = Path.Combine(output, stem + ".md");
        await File.WriteAllTextAsync(report, FaultReport.Markdown(stem, machine, "bench/faults", run, aborted), CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"{(run.Passed && aborted is null ? "pass" : "FAIL")}{(aborted is null ? "" : $" ({aborted})")}; results: {report}");
        return run.Passed && aborted is null ? 0 : 1;
    }
}
