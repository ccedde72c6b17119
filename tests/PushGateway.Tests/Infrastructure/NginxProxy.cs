using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A real nginx on a loopback port in front of the given nodes, configured as the compose deployment ships it:
/// <c>deploy/nginx/default.conf</c> with its upstream servers replaced by the nodes' addresses (their parameters
/// kept), listening on the test's port, and including <c>deploy/nginx/proxy.conf</c>. One worker, so that its
/// round-robin is predictable. Without the binary the tests are skipped with the install hint.
/// </summary>
public sealed partial class NginxProxy : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/nginx";

    private readonly PortReservation _port = new();
    private readonly DirectoryInfo _directory;
    private readonly Process _process;

    private NginxProxy(DirectoryInfo directory, IEnumerable<string> nodes)
    {
        _directory = directory;
        File.WriteAllText(Path.Combine(directory.FullName, "default.conf"), ServerBlock(nodes));
        File.WriteAllText(Path.Combine(directory.FullName, "nginx.conf"), MainConfiguration());
        _process = Process.Start(new ProcessStartInfo(Executable, ["-p", directory.FullName + "/", "-c", "nginx.conf"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
    }

    public Uri HttpAddress => new($"http://127.0.0.1:{_port.Port}/");

    public Uri WebSocketAddress => new($"ws://127.0.0.1:{_port.Port}/ws");

    /// <summary>What nginx logged (level notice and up) so far.</summary>
    public string ErrorLog => File.ReadAllText(Path.Combine(_directory.FullName, "error.log"));

    /// <param name="nodes">The nodes' <c>host:port</c>, in the upstream's order.</param>
    public static async Task<NginxProxy> StartAsync(params string[] nodes)
    {
        Assert.SkipUnless(File.Exists(Executable), $"nginx not found at {Executable}: install it with `apt-get install -y nginx` to run the proxy tests.");
        var directory = Directory.CreateTempSubdirectory("pushgateway-nginx-");
        // The workers run as nobody when the tests run as root: they need to reach their temp folders.
        if (!OperatingSystem.IsWindows())
        {
            directory.UnixFileMode |= UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        }

        var proxy = new NginxProxy(directory, nodes);
        await ServerProcess.ListeningAsync(proxy._process, proxy._port.Port);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the master stops its workers too (SIGKILL would leave them running).
            ServerProcess.Signal(_process, ServerProcess.Terminate);
            await _process.WaitForExitAsync(TestTimeout.Token());
        }

        _process.Dispose();
        _port.Dispose();
        _directory.Delete(recursive: true);
    }

    private string ServerBlock(IEnumerable<string> nodes)
    {
        var shipped = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "nginx", "default.conf"));
        var servers = UpstreamServer().Matches(shipped);
        Assert.True(servers.Count > 0, "deploy/nginx/default.conf has no upstream server line");
        var parameters = servers[0].Groups["parameters"].Value;
        var replaced = string.Concat(nodes.Select(node => $"    server {node}{parameters};\n"));
        var block = UpstreamServer().Replace(shipped, match => match.Index == servers[0].Index ? replaced : "");
        return Replace(Replace(block, "listen 8080;", $"listen 127.0.0.1:{_port.Port};"),
            "include /etc/nginx/pushgateway/proxy.conf;",
            $"include {Path.Combine(RepositoryPaths.Root, "deploy", "nginx", "proxy.conf")};");
    }

    private static string Replace(string configuration, string shipped, string test)
    {
        Assert.Contains(shipped, configuration, StringComparison.Ordinal);
        return configuration.Replace(shipped, test, StringComparison.Ordinal);
    }

    private string MainConfiguration()
    {
        var temp = _directory.FullName;
        return $$"""
            daemon off;
            worker_processes 1;
            pid {{temp}}/nginx.pid;
            error_log {{temp}}/error.log notice;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/client_body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{temp}}/default.conf;
            }
            """;
    }

    /// <summary>A <c>server host:port parameters;</c> line of an upstream block.</summary>
    [GeneratedRegex(@"^[ \t]*server[ \t]+[A-Za-z0-9.-]+:\d+(?<parameters>[^;\n]*);[ \t]*\n", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();
}
