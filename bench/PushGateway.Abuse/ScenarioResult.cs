using System.Globalization;

namespace PushGateway.Abuse;

/// <summary>A scenario's verdict (every check held, and it finished in time), its checks and its figures.</summary>
internal sealed class ScenarioResult(string name, string title, string bounds)
{
    private readonly List<Check> _checks = [];
    private readonly List<(string Name, string Value)> _figures = [];

    public string Name { get; } = name;

    public string Title { get; } = title;

    public string Bounds { get; } = bounds;

    public TimeSpan Duration { get; set; }

    /// <summary>Why the scenario could not run to its end (timeout, a failure of the harness), if it could not.</summary>
    public string? Aborted { get; set; }

    public IReadOnlyList<Check> Checks => _checks;

    public IReadOnlyList<(string Name, string Value)> Figures => _figures;

    public bool Passed => Aborted is null && _checks.Count > 0 && _checks.All(c => c.Passed);

    public void Require(string requirement, string measured, bool passed)
    {
        _checks.Add(new Check(requirement, measured, passed));
        Console.WriteLine($"    {(passed ? "ok  " : "FAIL")} {requirement}: {measured}");
    }

    public void Figure(string name, string value)
    {
        _figures.Add((name, value));
        Console.WriteLine($"    {name}: {value}");
    }

    public void Figure(string name, IReadOnlyDictionary<string, int> counts) =>
        Figure(name, counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Value.ToString("N0", CultureInfo.InvariantCulture)}")));
}
