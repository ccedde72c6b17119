using System.Globalization;

namespace PushGateway.Abuse;

/// <summary>Command-line settings of a run.</summary>
internal sealed class AbuseOptions
{
    public IReadOnlyList<string> Scenarios { get; private set; } = [];

    public string GatewayDll { get; private set; } = "bench/.build/gateway/PushGateway.dll";

    public string Output { get; private set; } = "bench/results";

    public string RedisServer { get; private set; } = "/usr/bin/redis-server";

    public string Label { get; private set; } = "abuse";

    public int ServerCpu { get; private set; }

    public int ClientCpu { get; private set; } = 1;

    public static AbuseOptions Parse(string[] args, string label = "abuse")
    {
        var options = new AbuseOptions { Label = label };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--scenario" or "--scenarios": options.Scenarios = Next().Split(','); break;
                case "--gateway-dll": options.GatewayDll = Next(); break;
                case "--output": options.Output = Next(); break;
                case "--redis-server": options.RedisServer = Next(); break;
                case "--label": options.Label = Next(); break;
                case "--server-cpu": options.ServerCpu = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--client-cpu": options.ClientCpu = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        return options;
    }
}
