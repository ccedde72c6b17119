using System.Globalization;

namespace PushGateway.Flood;

/// <summary>Command-line settings of a flood run; the defaults are what bench/README.md reports.</summary>
internal sealed class FloodOptions
{
    /// <summary>The published gateway: its executable, or its dll (run with <c>dotnet</c>).</summary>
    public string Gateway { get; private set; } = "/tmp/mem-gw/PushGateway";

    /// <summary>Connections per cycle, all processes together (the server's open-files limit is 20,000).</summary>
    public int Connections { get; private set; } = 18_000;

    /// <summary>Client processes sharing the connections (each has its own open-files limit).</summary>
    public int Processes { get; private set; } = 3;

    /// <summary>Share of bare TCP connections that send nothing; the rest is split evenly between /sse and /ws.</summary>
    public double IdleShare { get; private set; } = 0.05;

    public int Cycles { get; private set; } = 4;

    /// <summary>How long the connections stay open (ticks flow to the /sse ones) before they all close.</summary>
    public TimeSpan Hold { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long RSS is sampled, once a second, after the last connection closed.</summary>
    public TimeSpan After { get; private set; } = TimeSpan.FromSeconds(70);

    /// <summary>Quiet time between the server's start and the baseline sample.</summary>
    public TimeSpan Settle { get; private set; } = TimeSpan.FromSeconds(15);

    public Dictionary<string, string> GatewayEnvironment { get; } = [];

    /// <summary>Where the server's console output goes.</summary>
    public string Log { get; private set; } = "/tmp/pushgateway-flood.log";

    public static FloodOptions Parse(string[] args)
    {
        var options = new FloodOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--gateway": options.Gateway = Next(); break;
                case "--connections": options.Connections = Integer(Next()); break;
                case "--processes": options.Processes = Integer(Next()); break;
                case "--idle-share": options.IdleShare = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cycles": options.Cycles = Integer(Next()); break;
                case "--hold": options.Hold = Seconds(Next()); break;
                case "--after": options.After = Seconds(Next()); break;
                case "--settle": options.Settle = Seconds(Next()); break;
                case "--log": options.Log = Next(); break;
                case "--gateway-env":
                    var pair = Next().Split('=', 2);
                    options.GatewayEnvironment[pair[0]] = pair[1];
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (options.Connections is < 1 or > 18_000 || options.Processes < 1 || options.Connections / options.Processes > 19_000)
        {
            throw new ArgumentException("At most 18,000 connections in all, and under 19,000 per client process.");
        }

        return options;
    }

    private static int Integer(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}
