using System.Diagnostics;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a loopback port of its own, persistence off, that a test can stop and start
/// again on the same port: the port stays reserved (<see cref="PortReservation"/>) while the server is down.
/// Without the binary the Redis tests are skipped with the install hint.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly PortReservation _port = new();
    private string[] _arguments;
    private Process? _process;

    private RedisServer(string[] arguments) => _arguments = arguments;

    public int Port => _port.Port;

    public string Configuration => $"127.0.0.1:{Port}";

    /// <param name="arguments">More redis-server settings (<c>--requirepass</c>, <c>--rename-command</c>), for this start only.</param>
    public static async Task<RedisServer> StartAsync(params string[] arguments)
    {
        Assert.SkipUnless(File.Exists(Executable), $"redis-server not found at {Executable}: install it with `apt-get install -y redis-server` to run the Redis tests.");
        var server = new RedisServer(arguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts again with other settings than the first start's (a configuration fixed); see <see cref="StartAgainAsync"/>.</summary>
    public Task StartAgainWithAsync(params string[] arguments)
    {
        _arguments = arguments;
        return StartAgainAsync();
    }

    /// <summary>Starts (again) on the same port, empty: persistence is off, as after a crash of a cache.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Executable,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. _arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await ServerProcess.ListeningAsync(_process, Port);
    }

    /// <summary>
    /// Stalls the server (SIGSTOP) until the returned handle is disposed (SIGCONT): connections stay open
    /// and what clients send waits in the socket, to be run when the server goes on, as after a long pause.
    /// </summary>
    public IDisposable Freeze()
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        ServerProcess.Signal(process, ServerProcess.Stop);
        return new Thaw(process);
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _port.Dispose();
    }

    private sealed class Thaw(Process process) : IDisposable
    {
        public void Dispose() => ServerProcess.Signal(process, ServerProcess.Continue);
    }
}
