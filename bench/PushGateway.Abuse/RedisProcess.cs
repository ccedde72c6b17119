using System.Globalization;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// A real redis-server on a free loopback port, persistence off, on the server CPU: paused with
/// SIGSTOP, resumed with SIGCONT, killed with SIGKILL and started again empty on the same port.
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly AbuseContext _context;
    private readonly string _logPath;
    private ServerProcess _server;

    private RedisProcess(AbuseContext context, string logPath, ServerProcess server) => (_context, _logPath, _server) = (context, logPath, server);

    public int Port => _server.Port;

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync(AbuseContext context, string name)
    {
        var logPath = Path.Combine(context.LogDirectory, name + ".log");
        var server = await LaunchAsync(context, logPath, port: null).ConfigureAwait(false);
        return new RedisProcess(context, logPath, server);
    }

    public void Pause() => Signals.Send(_server.Id, Signals.Stop);

    public void Resume() => Signals.Send(_server.Id, Signals.Continue);

    public void Kill()
    {
        Signals.Send(_server.Id, Signals.Kill);
        _server.Dispose();
    }

    /// <summary>Starts again on the same port, with no data: as after a crash of a cache without persistence.</summary>
    public async Task RestartAsync() => _server = await LaunchAsync(_context, _logPath, Port).ConfigureAwait(false);

    public void Dispose() => _server.Dispose();

    private static async Task<ServerProcess> LaunchAsync(AbuseContext context, string logPath, int? port)
    {
        var redis = new Contestant("redis", "redis-server", Protocol.RawTcp, "", Protocol.RawTcp, "", context.RedisServer,
            ["--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], new Dictionary<string, string>());
        var server = ServerProcess.Start(redis, context.ServerCpu, logPath, port);
        await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return server;
    }

    public override string ToString() => "redis-server on port " + Port.ToString(CultureInfo.InvariantCulture);
}
