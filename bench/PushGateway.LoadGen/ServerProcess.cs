using System.Diagnostics;
using PushGateway.Bench;

namespace PushGateway.LoadGen;

/// <summary>A contestant's server, pinned to its own CPU, with its CPU time and memory read from <c>/proc</c>.</summary>
internal sealed class ServerProcess : IDisposable
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Process _process;

    private bool _isContainer;

    private ServerProcess(Process process, int port, long startedAt)
    {
        _process = process;
        Port = port;
        StartedAt = startedAt;
    }

    public int Port { get; }

    /// <summary><see cref="Stopwatch"/> timestamp of the process start.</summary>
    public long StartedAt { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process has ended (134: the runtime aborted), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static ServerProcess Start(Contestant contestant, int cpu, string logPath, int? port = null)
    {
        var chosenPort = port ?? FreePort();
        var start = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(contestant.Command);
        foreach (var argument in contestant.Arguments)
        {
            start.ArgumentList.Add(argument.Replace("{port}", chosenPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        // Generator-only tuning must not leak into a contestant.
        start.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        foreach (var (key, value) in contestant.Environment)
        {
            start.Environment[key] = value;
        }

        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {contestant.Name}.");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, line) => WriteLog(log, line.Data);
        process.ErrorDataReceived += (_, line) => WriteLog(log, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, chosenPort, startedAt) { _isContainer = contestant.Command == "podman" };
    }

    /// <summary>Waits until the port accepts connections.</summary>
    public Task WaitUntilListeningAsync(TimeSpan timeout) => Loopback.WaitUntilListeningAsync(Port, _process, timeout);

    /// <summary>User plus system CPU time of the whole process so far, in seconds.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
            + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Resident set size in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        if (_isContainer)
        {
            using var remove = Process.Start("podman", ["rm", "--force", "--time", "0", Contestant.ContainerName(Port.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            remove.WaitForExit(30_000);
        }
    }

    private static void WriteLog(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    public static int FreePort() => Loopback.FreePort();
}
