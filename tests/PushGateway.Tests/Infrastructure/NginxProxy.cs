using System.Diagnostics;
using PushGateway.Deployment;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A real nginx on a loopback port in front of the given nodes, configured as the compose deployment ships it
/// (<see cref="ShippedNginx"/>), listening on the test's port. One worker, so that its
/// round-robin is predictable. Without the binary the tests are skipped with the install hint.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/nginx";

    private readonly PortReservation _port = new();
    private readonly DirectoryInfo _directory;
    private readonly Process _process;

    private NginxProxy(DirectoryInfo directory, IEnumerable<string> nodes)
    {
        _directory = directory;
        File.WriteAllText(Path.Combine(directory.FullName, "default.conf"), ShippedNginx.ServerBlock(RepositoryPaths.Root, nodes, $"127.0.0.1:{_port.Port}"));
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
}
