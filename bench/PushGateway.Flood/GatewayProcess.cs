using System.Diagnostics;
using PushGateway.Bench;

namespace PushGateway.Flood;

/// <summary>The gateway under test, as shipped (ticker on, default logging), its console output in a file.</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Id => _process.Id;

    public static GatewayProcess Start(FloodOptions options)
    {
        var port = Loopback.FreePort();
        // exec: the shell becomes the gateway, so the PID read from /proc is the server's own.
        // In its own directory, as in the container (WORKDIR /app): appsettings.json is read from there.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(options.Gateway)) };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >\"$0\" 2>&1");
        start.ArgumentList.Add(options.Log);
        if (options.Gateway.EndsWith(".dll", StringComparison.Ordinal))
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(options.Gateway);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // Every flood client comes from 127.0.0.1: no per-address caps (the abuse suite tests those).
        start.Environment["PushGateway__Limits__MaxConnectionsPerAddress"] = "100000";
        start.Environment["PushGateway__Limits__MaxSocketsPerAddress"] = "0";
        foreach (var (key, value) in options.GatewayEnvironment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the gateway.");
        return new GatewayProcess(process, port);
    }

    public Task WaitUntilListeningAsync(TimeSpan timeout) => Loopback.WaitUntilListeningAsync(Port, _process, timeout);

    public MemorySample Sample() => MemorySample.Read(Id);

    /// <summary>The server's own count of open connections (<c>GET /stats</c>).</summary>
    public async Task<string> StatsAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync(new Uri("/stats", UriKind.Relative)).ConfigureAwait(false);
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
