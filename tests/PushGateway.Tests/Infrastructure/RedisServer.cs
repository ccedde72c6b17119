using System.Diagnostics;
using System.Net.Sockets;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, persistence off, that a test can stop and start
/// again on the same port. Without the binary the Redis tests are skipped with the install hint.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        Assert.SkipUnless(File.Exists(Executable), $"redis-server not found at {Executable}: install it with `apt-get install -y redis-server` to run the Redis tests.");
        var server = new RedisServer(GatewayFactory.FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port, empty: persistence is off, as after a crash of a cache.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Executable,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        // Ready once it accepts connections: a bounded wait for a process we cannot otherwise observe.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, TestTimeout.Token());
                return;
            }
            catch (SocketException) when (attempt < 100)
            {
                await Task.Delay(50, TestTimeout.Token());
            }
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(TestTimeout.Token());
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
