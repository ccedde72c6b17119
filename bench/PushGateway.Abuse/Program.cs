using System.Diagnostics;
using System.Globalization;
using PushGateway.Abuse;
using PushGateway.Abuse.Faults;
using PushGateway.LoadGen;

// `run [--scenario a,b] ...`: the abuse suite (see AbuseOptions); `flood-client ...`: a flood process, started by `run`;
// `faults ...`: the fault suite (bench/faults).
if (args is ["flood-client", .. var floodArguments])
{
    return await FloodClient.RunAsync(floodArguments).ConfigureAwait(false);
}

if (args is ["faults", .. var faultArguments])
{
    return await FaultCommand.RunAsync(AbuseOptions.Parse(faultArguments, "faults")).ConfigureAwait(false);
}

if (args is not ["run", .. var rest])
{
    Console.Error.WriteLine("usage: PushGateway.Abuse run [--scenario flood,flood-low-limit,slow-readers,redis,node-kill,drain,drain-off] [--gateway-dll path] [--output dir]");
    return 2;
}

var options = AbuseOptions.Parse(rest);
var repository = RunEnvironment.FindRepository();
var stem = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HHmm", CultureInfo.InvariantCulture) + "-" + options.Label;
var logs = Path.Combine(repository, "bench", ".build", "logs", stem);
Directory.CreateDirectory(logs);
var context = new AbuseContext(Path.GetFullPath(options.GatewayDll, repository), logs, options.ServerCpu, options.ClientCpu, options.RedisServer);

IScenario[] catalogue =
[
    new FloodScenario("flood", "18,000 connections at once", null,
        [
            new(FloodKind.Bare, 5_000, 0, 100), new(FloodKind.Bare, 5_000, 50, 100), new(FloodKind.Bare, 5_000, 100, 100),
            new(FloodKind.Sse, 1_500, 150, 50), new(FloodKind.Ws, 1_500, 180, 50),
        ],
        TimeSpan.FromSeconds(10), requireMemoryBack: true),
    new FloodScenario("flood-low-limit", "A flood past a low open-files limit", 2_000,
        [new(FloodKind.Bare, 2_400, 0, 100), new(FloodKind.Sse, 300, 24, 50), new(FloodKind.Ws, 300, 30, 50)],
        TimeSpan.FromSeconds(40), requireMemoryBack: false),
    new SlowReadersScenario(),
    new RedisFaultScenario(),
    new NodeKillScenario(),
    new DrainScenario("drain", "SIGTERM with the drain (5 s window)", new Dictionary<string, string>(), paced: true),
    new DrainScenario("drain-off", "SIGTERM without the drain (window 0)",
        new Dictionary<string, string> { ["PushGateway__Shutdown__DrainWindow"] = "00:00:00" }, paced: false),
];
var unknown = options.Scenarios.Except(catalogue.Select(s => s.Name)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown scenario(s): {string.Join(", ", unknown)}; known: {string.Join(", ", catalogue.Select(s => s.Name))}.");
    return 2;
}

var machine = RunEnvironment.Machine();
Console.WriteLine($"{machine}; server logs in {logs}");
var results = new List<ScenarioResult>();
foreach (var scenario in catalogue.Where(s => options.Scenarios.Count == 0 || options.Scenarios.Contains(s.Name)))
{
    Console.WriteLine($"[{scenario.Name}] {scenario.Title}");
    var result = new ScenarioResult(scenario.Name, scenario.Title, scenario.Bounds);
    var started = Stopwatch.GetTimestamp();
    using (var limit = new CancellationTokenSource(scenario.Limit))
    {
        try
        {
            await scenario.RunAsync(context, result, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            result.Aborted = $"did not finish within {scenario.Limit.TotalSeconds:0} s";
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or HttpRequestException or System.Net.Sockets.SocketException)
        {
            result.Aborted = $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    result.Duration = Stopwatch.GetElapsedTime(started);
    results.Add(result);
    Console.WriteLine($"[{scenario.Name}] {(result.Passed ? "pass" : "FAIL")} in {result.Duration.TotalSeconds:0} s{(result.Aborted is { } a ? $" ({a})" : "")}");
}

var output = Path.GetFullPath(options.Output, repository);
Directory.CreateDirectory(output);
var report = Path.Combine(output, stem + ".md");
var command = "bench/abuse" + (options.Scenarios.Count > 0 ? " --scenario " + string.Join(',', options.Scenarios) : "");
await File.WriteAllTextAsync(report, AbuseReport.Markdown(stem, machine, command, results)).ConfigureAwait(false);
Console.WriteLine($"Results: {report}");
return results.All(r => r.Passed) ? 0 : 1;
