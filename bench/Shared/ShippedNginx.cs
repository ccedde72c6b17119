using System.Text.RegularExpressions;

namespace PushGateway.Deployment;

/// <summary>
/// The shipped nginx deployment (<c>deploy/nginx/default.conf</c>) for nodes on other addresses: its upstream servers
/// replaced by the given ones (the shipped parameters kept), listening where asked, and including
/// <c>deploy/nginx/proxy.conf</c> from the repository. The proxy tests and the fault suite run nginx with it, so that
/// what they check is what ships. Linked into both.
/// </summary>
internal static partial class ShippedNginx
{
    /// <summary>The http-level configuration (upstream, map, server) to include in an nginx.conf of one's own.</summary>
    /// <param name="repository">The checkout's root.</param>
    /// <param name="nodes">The nodes' <c>host:port</c>, in the upstream's order.</param>
    /// <param name="listen">What the server listens on, e.g. <c>127.0.0.1:8080</c>.</param>
    public static string ServerBlock(string repository, IEnumerable<string> nodes, string listen)
    {
        var shipped = File.ReadAllText(Path.Combine(repository, "deploy", "nginx", "default.conf"));
        var servers = UpstreamServer().Matches(shipped);
        if (servers.Count == 0)
        {
            throw new InvalidOperationException("deploy/nginx/default.conf has no upstream server line");
        }

        var parameters = servers[0].Groups["parameters"].Value;
        var replaced = string.Concat(nodes.Select(node => $"    server {node}{parameters};\n"));
        var block = UpstreamServer().Replace(shipped, match => match.Index == servers[0].Index ? replaced : "");
        return Replace(Replace(block, "listen 8080;", $"listen {listen};"),
            "include /etc/nginx/pushgateway/proxy.conf;",
            $"include {Path.Combine(repository, "deploy", "nginx", "proxy.conf")};");
    }

    private static string Replace(string configuration, string shipped, string replacement) =>
        configuration.Contains(shipped, StringComparison.Ordinal)
            ? configuration.Replace(shipped, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"deploy/nginx/default.conf no longer has `{shipped}`");

    /// <summary>A <c>server host:port parameters;</c> line of an upstream block.</summary>
    [GeneratedRegex(@"^[ \t]*server[ \t]+[A-Za-z0-9.-]+:\d+(?<parameters>[^;\n]*);[ \t]*\n", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();
}
