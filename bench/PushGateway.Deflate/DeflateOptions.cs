using System.Globalization;

namespace PushGateway.Deflate;

/// <summary>What <c>run</c> measures; see the usage line in Program.cs.</summary>
internal sealed class DeflateOptions
{
    /// <summary>The gateway: a published executable, or a <c>.dll</c> run with <c>dotnet</c>.</summary>
    public string Gateway { get; private set; } = string.Empty;

    public int Subscribers { get; private set; } = 100;

    public int Messages { get; private set; } = 2000;

    public int Warmup { get; private set; } = 300;

    /// <summary>Messages in flight at most: the publisher waits while more than this many have not reached every subscriber.</summary>
    public int Window { get; private set; } = 32;

    /// <summary>A CPU to pin the gateway to with <c>taskset</c> (run this tool pinned to another), or null.</summary>
    public string? GatewayCpu { get; private set; }

    /// <summary>The JSON messages' sizes, in bytes.</summary>
    public IReadOnlyList<int> Sizes { get; private set; } = [100, 4096];

    /// <summary>Gateway settings on top of the bench's own (compression's threshold and level, when given).</summary>
    public Dictionary<string, string> GatewayEnvironment { get; } = [];

    public static DeflateOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DeflateOptions();
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--gateway": options.Gateway = value; break;
                case "--gateway-cpu": options.GatewayCpu = value; break;
                case "--subscribers": options.Subscribers = Number(value); break;
                case "--messages": options.Messages = Number(value); break;
                case "--warmup": options.Warmup = Number(value); break;
                case "--window": options.Window = Number(value); break;
                case "--sizes": options.Sizes = [.. value.Split(',').Select(Number)]; break;
                case "--minimum-size": options.GatewayEnvironment["PushGateway__WebSockets__Compression__MinimumSize"] = value; break;
                case "--level": options.GatewayEnvironment["PushGateway__WebSockets__Compression__Level"] = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return options.Gateway.Length > 0 ? options : throw new ArgumentException("--gateway is required");
    }

    private static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
