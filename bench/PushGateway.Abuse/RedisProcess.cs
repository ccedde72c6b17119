using System.Globalization;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// A real redis-server on a free loopback port, on the server CPU: paused with SIGSTOP, resumed with SIGCONT, killed
/// with SIGKILL and started again on the same port: empty with persistence off (the default), or from its append-only
/// file written with <c>appendfsync always</c> (as docker-compose.yml runs it).
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly AbuseContext _context;
    private readonly string _logPath;
    private readonly string? _dataDirectory;
    private ServerProcess _server;

    private RedisProcess(AbuseContext context, string logPath, string? dataDirectory, ServerProcess server) =>
        (_context, _logPath, _dataDirectory, _server) = (context, logPath, dataDirectory, server);

    public int Port => _server.Port;

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts Redis; <paramref name="dataDirectory"/>: where the append-only file goes (every write fsynced before Redis answers), null for no persistence.</summary>
    public static async Task<RedisProcess> StartAsync(AbuseContext context, string name, string? dataDirectory = null)
    {
        var logPath = Path.Combine(context.LogDirectory, name + ".log");
        if (dataDirectory is not null)
        {
            Directory.CreateDirectory(dataDirectory);
        }

        var server = await LaunchAsync(context, logPath, dataDirectory, port: null).ConfigureAwait(false);
        return new RedisProcess(context, logPath, dataDirectory, server);
    }

    public void Pause() => Signals.Send(_server.Id, Signals.Stop);

    public void Resume() => Signals.Send(_server.Id, Signals.Continue);

    public void Kill()
    {
        Signals.Send(_server.Id, Signals.Kill);
        _server.Dispose();
    }

    /// <summary>Starts again on the same port: with no data (a cache without persistence), or from its append-only file.</summary>
    public async Task RestartAsync() => _server = await LaunchAsync(_context, _logPath, _dataDirectory, Port).ConfigureAwait(false);

    public void Dispose() => _server.Dispose();

    private static async Task<ServerProcess> LaunchAsync(AbuseContext context, string logPath, string? dataDirectory, int? port)
    {
        string[] persistence = dataDirectory is null ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always", "--dir", dataDirectory];
        var redis = new Contestant("redis", "redis-server", Protocol.RawTcp, "", Protocol.RawTcp, "", context.RedisServer,
            ["--port", "{port}", "--bind", "127.0.0.1", "--save", "", .. persistence], new Dictionary<string, string>());
        var server = ServerProcess.Start(redis, context.ServerCpu, logPath, port);
        await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return server;
    }

    public override string ToString() => "redis-server on port " + Port.ToString(CultureInfo.InvariantCulture);
}
