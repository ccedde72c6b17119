using BenchmarkDotNet.Running;

namespace PushGateway.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line, e.g. <c>dotnet run -c Release -- --filter '*' --job short</c>.
/// </summary>
/// <remarks>Not top-level statements: the gateway's own public <c>Program</c> would clash with it.</remarks>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
