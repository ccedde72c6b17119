using System.Diagnostics;
using System.Globalization;
using PushGateway.Bench;

namespace PushGateway.Deflate;

/// <summary>The gateway, started for one case with compression on or off, its output in a log file.</summary>
internal sealed class GatewayUnderTest : IDisposable
{
    /// <summary>Clock ticks per second in <c>/proc/&lt;pid&gt;/stat</c> (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    private readonly Process _process;

    private GatewayUnderTest(Process process, int port, string log)
    {
        _process = process;
        Port = port;
        Log = log;
    }

    public int Port { get; }

    public string Log { get; }

    public static async Task<GatewayUnderTest> StartAsync(DeflateOptions options, bool compression)
    {
        var port = Loopback.FreePort();
        var log = Path.Combine(Path.GetTempPath(), $"pushgateway-deflate-{port}.log");
        // exec: the shell becomes the gateway, so the PID read from /proc is the server's own.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(options.Gateway)) };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >\"$0\" 2>&1");
        start.ArgumentList.Add(log);
        if (options.GatewayCpu is { } cpu)
        {
            // taskset execs the gateway in turn: the PID stays the gateway's.
            start.ArgumentList.Add("taskset");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpu);
        }

        if (options.Gateway.EndsWith(".dll", StringComparison.Ordinal))
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.GetFullPath(options.Gateway));
        // As the load generator runs it.
        foreach (var (key, value) in new Dictionary<string, string>(BenchmarkGateway.Environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["PushGateway__WebSockets__MaxMessageBytes"] = "65536",
            ["PushGateway__WebSockets__Compression__Enabled"] = compression ? "true" : "false",
        }.Concat(options.GatewayEnvironment))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the gateway.");
        var gateway = new GatewayUnderTest(process, port, log);
        await Loopback.WaitUntilListeningAsync(port, process, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return gateway;
    }

    /// <summary>CPU time the gateway has used (user and system), from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public TimeSpan Cpu()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        // After the command name (which may hold spaces), fields 14 and 15: utime and stime.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
