using System.Globalization;

namespace PushGateway.LoadGen;

/// <summary>Command-line settings of a run; every default is what the published results use.</summary>
internal sealed class BenchOptions
{
    public IReadOnlyList<string> Contestants { get; private set; } = [];

    public int Repeats { get; private set; } = 3;

    public int Subscribers { get; private set; } = 1_000;

    public int LargeSubscribers { get; private set; } = 10_000;

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);

    public TimeSpan Measure { get; private set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Stall { get; private set; } = TimeSpan.FromSeconds(30);

    public TimeSpan WarmStartSpan { get; private set; } = TimeSpan.FromSeconds(8);

    public int[] LoadPercents { get; private set; } = [25, 50, 80];

    public int ServerCpu { get; private set; }

    public int GeneratorCpu { get; private set; } = 1;

    public string Output { get; private set; } = "bench/results";

    public string GatewayDll { get; private set; } = "bench/.build/gateway/PushGateway.dll";

    public string Label { get; private set; } = "";

    /// <summary>A built PushGateway image: adds the contestant <c>pushgateway-ws-container</c> (run with podman).</summary>
    public string? ContainerImage { get; private set; }

    public Dictionary<string, string> GatewayEnvironment { get; } = [];

    public bool SkipLarge { get; private set; }

    public bool SkipStall { get; private set; }

    public bool SkipMain { get; private set; }

    public bool SkipWarmStart { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--contestants": options.Contestants = Next().Split(','); break;
                case "--repeats": options.Repeats = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--subscribers": options.Subscribers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--large": options.LargeSubscribers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": options.Warmup = Seconds(Next()); break;
                case "--measure": options.Measure = Seconds(Next()); break;
                case "--stall": options.Stall = Seconds(Next()); break;
                case "--loads": options.LoadPercents = [.. Next().Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))]; break;
                case "--output": options.Output = Next(); break;
                case "--gateway-dll": options.GatewayDll = Next(); break;
                case "--label": options.Label = Next(); break;
                case "--container-image": options.ContainerImage = Next(); break;
                case "--gateway-env":
                    var pair = Next().Split('=', 2);
                    options.GatewayEnvironment[pair[0]] = pair[1];
                    break;
                case "--skip-large": options.SkipLarge = true; break;
                case "--skip-stall": options.SkipStall = true; break;
                case "--skip-main": options.SkipMain = true; break;
                case "--skip-warm-start": options.SkipWarmStart = true; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        return options;
    }

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}
