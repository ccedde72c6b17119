using System.Globalization;
using PushGateway.Deployment;
using PushGateway.LoadGen;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// nginx in front of the nodes, as the compose deployment runs it: its own master (not daemonised, on the server CPU)
/// with a configuration generated in a directory of its own around the compose deployment's own nginx files
/// (<see cref="ShippedNginx"/>: the upstream, map and server of <c>deploy/nginx/default.conf</c> on loopback ports,
/// including <c>deploy/nginx/proxy.conf</c>).
/// </summary>
internal sealed class NginxProxy : IDisposable
{
    private readonly ServerProcess _server;

    private NginxProxy(ServerProcess server, string directory) => (_server, Directory) = (server, directory);

    public Uri BaseAddress => new($"http://127.0.0.1:{_server.Port}/");

    /// <summary>Where its configuration, pid file and logs are.</summary>
    public string Directory { get; }

    public bool IsAlive => !_server.HasExited;

    public static async Task<NginxProxy> StartAsync(AbuseContext context, string repository, IEnumerable<int> nodePorts, string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var port = ServerProcess.FreePort();
        var configuration = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configuration, Configuration(directory, repository, port, nodePorts)).ConfigureAwait(false);
        var nginx = new Contestant("nginx", "nginx", Protocol.RawTcp, "", Protocol.RawTcp, "", "nginx",
            ["-p", directory, "-c", configuration, "-g", "daemon off;"], new Dictionary<string, string>());
        var server = ServerProcess.Start(nginx, context.ServerCpu, Path.Combine(context.LogDirectory, "nginx.log"), port);
        try
        {
            await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return new NginxProxy(server, directory);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>SIGHUP: nginx re-reads its configuration, starts new workers and lets the old ones finish their connections.</summary>
    public void Reload() => Signals.Send(_server.Id, Signals.Hangup);

    /// <summary>Kills the master and its workers.</summary>
    public void Dispose() => _server.Dispose();

    /// <summary>
    /// One worker (the server CPU is one core) with room for 2,000+ connections (each client holds two: its own and the
    /// one to its node); the upstream, map and server of <c>deploy/nginx/default.conf</c> on loopback ports.
    /// </summary>
    private static string Configuration(string directory, string repository, int port, IEnumerable<int> nodePorts) => string.Create(CultureInfo.InvariantCulture, $$"""
        worker_processes 1;
        worker_rlimit_nofile 16384;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log warn;

        events {
            worker_connections 8192;
        }

        http {
            access_log {{directory}}/access.log combined;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;

        {{ShippedNginx.ServerBlock(repository, nodePorts.Select(p => $"127.0.0.1:{p}"), $"127.0.0.1:{port}")}}
        }

        """);
}
