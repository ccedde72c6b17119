using System.Globalization;
using PushGateway.LoadGen;

// `run [options]`: the whole benchmark (see BenchOptions); `worker ...`: a subscriber process, started by `run`.
if (args is ["worker", var protocol, var port, var path, var connections, var shm, var slots, var slot])
{
    return await Worker.RunAsync(
        Enum.Parse<Protocol>(protocol), Parse(port), path, Parse(connections), shm, Parse(slots), Parse(slot)).ConfigureAwait(false);
}

if (args is not ["run", .. var rest])
{
    Console.Error.WriteLine("usage: PushGateway.LoadGen run [--contestants a,b] [--repeats 3] [--skip-large] [--skip-stall] ...");
    return 2;
}

var options = BenchOptions.Parse(rest);
var repository = RunEnvironment.FindRepository();
var paths = new BenchPaths(repository, Path.GetFullPath(options.GatewayDll, repository));
var contestants = Contestant.All(paths, options.GatewayEnvironment, options.ContainerImage)
    .Where(c => options.Contestants.Count == 0 || options.Contestants.Contains(c.Name)).ToList();
var stem = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HHmm", CultureInfo.InvariantCulture) + (options.Label.Length > 0 ? "-" + options.Label : "");
var logs = Path.Combine(repository, "bench", ".build", "logs", stem);
Directory.CreateDirectory(logs);

var machine = RunEnvironment.Machine();
Console.WriteLine($"{machine}; server logs in {logs}");
var bench = new Bench(options, contestants, logs);
await bench.RunAsync().ConfigureAwait(false);
var output = Path.GetFullPath(options.Output, repository);
new Report(options, contestants, bench.Results).Write(output, stem, machine);
Console.WriteLine($"Results: {Path.Combine(output, stem)}.md / .json / .svg");
return 0;

static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);
