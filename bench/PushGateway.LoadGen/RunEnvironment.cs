namespace PushGateway.LoadGen;

/// <summary>Where the repository is and what machine a run is on, for every bench tool's report.</summary>
internal static class RunEnvironment
{
    public static string FindRepository()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PushGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the PushGateway repository.");
    }

    public static string Machine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        return $"{Environment.ProcessorCount} CPU(s) visible to the generator, {model}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}";
    }
}
