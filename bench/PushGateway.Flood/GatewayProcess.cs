using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
        var port = FreePort();
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
        // Every flood client comes from 127.0.0.1.
        start.Environment["PushGateway__Limits__MaxConnectionsPerAddress"] = "100000";
        foreach (var (key, value) in options.GatewayEnvironment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the gateway.");
        return new GatewayProcess(process, port);
    }

    public async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port)).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !_process.HasExited)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
