using PushGateway.Bench;

namespace PushGateway.LoadGen;

/// <summary>A server under test: how to start it, and how subscribers and the publisher reach it.</summary>
internal sealed record Contestant(
    string Name,
    string Description,
    Protocol SubscribeWith,
    string SubscribePath,
    Protocol PublishWith,
    string PublishPath,
    string Command,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment)
{
    public const string PushGatewayWs = "pushgateway-ws";
    public const string PushGatewaySse = "pushgateway-sse";
    public const string PushGatewayV1 = "pushgateway-ws-v1";
    public const string NodeWs = "node-ws";
    public const string ExpressSse = "express-sse";
    public const string SignalR = "signalr";
    public const string RawTcp = "raw-tcp";
    public const string PushGatewayContainer = "pushgateway-ws-container";

    /// <summary>Killing <c>podman run</c> leaves its container running: it is removed by this name.</summary>
    public static string ContainerName(string port) => "pushgateway-bench-" + port;

    /// <summary>All contestants, in the order they run: Node <c>ws</c> first, because its rate sets the fixed loads.</summary>
    public static IReadOnlyList<Contestant> All(BenchPaths paths, IReadOnlyDictionary<string, string> gatewayEnvironment, string? containerImage)
    {
        var gateway = new Dictionary<string, string>(BenchmarkGateway.Environment)
        {
            ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Warning",
            ["Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in gatewayEnvironment)
        {
            gateway[key] = value;
        }

        var none = new Dictionary<string, string>();
        string[] gatewayArguments = [paths.GatewayDll, "--urls", "http://127.0.0.1:{port}"];
        // The image as shipped, on the host's network and the server's CPU; its CPU time and memory are
        // the podman client's, so only its delivery rates (warm start, saturation) mean anything.
        string[] containerArguments =
        [
            "run", "--rm", "--name", ContainerName("{port}"), "--network", "host", "--cpuset-cpus", "0", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
            "-e", "ASPNETCORE_HTTP_PORTS={port}",
            .. gateway.SelectMany(pair => new[] { "-e", $"{pair.Key}={pair.Value}" }),
            containerImage ?? "",
        ];
        return
        [
            new(NodeWs, "Node.js `ws` 8, `clients.forEach(c => c.send(data))`", Protocol.WebSocket, "/", Protocol.WebSocket, "/",
                "node", [Path.Combine(paths.Peers, "node-ws", "server.mjs"), "{port}"], none),
            new(RawTcp, "raw TCP, pre-framed bytes to every socket (the ceiling)", Protocol.RawTcp, "", Protocol.RawTcp, "",
                "dotnet", [paths.PeerDll("RawTcpPeer"), "{port}"], none),
            new(PushGatewayWs, "PushGateway `/ws`", Protocol.WebSocket, "/ws", Protocol.WebSocket, "/ws",
                "dotnet", gatewayArguments, gateway),
            new(PushGatewayV1, "PushGateway `/ws` with the sub-protocol `pushgateway.v1.json` (published over plain `/ws`)", Protocol.PushGatewayV1, "/ws",
                Protocol.WebSocket, "/ws", "dotnet", gatewayArguments, gateway),
            new(PushGatewaySse, "PushGateway `/sse` (published over `/ws`)", Protocol.Sse, "/sse?topic=chat", Protocol.WebSocket, "/ws",
                "dotnet", gatewayArguments, gateway),
            new(ExpressSse, "express 5, `res.write` to every open response", Protocol.Sse, "/sse", Protocol.HttpPost, "/publish",
                "node", [Path.Combine(paths.Peers, "express-sse", "server.mjs"), "{port}"], none),
            new(SignalR, "ASP.NET Core SignalR, `Clients.All.SendAsync`", Protocol.SignalR, "/hub", Protocol.SignalR, "/hub",
                "dotnet", [paths.PeerDll("SignalRPeer"), "{port}"], none),
            .. containerImage is null
                ? Array.Empty<Contestant>()
                : [new(PushGatewayContainer, $"PushGateway `/ws` in the container `{containerImage}`", Protocol.WebSocket, "/ws",
                    Protocol.WebSocket, "/ws", "podman", containerArguments, none)],
        ];
    }
}

/// <summary>Where the built contestants are.</summary>
internal sealed record BenchPaths(string Repository, string GatewayDll)
{
    public string Peers => Path.Combine(Repository, "bench", "peers");

    public string PeerDll(string name) => Path.Combine(Peers, name, "bin", "Release", "net10.0", name + ".dll");
}
