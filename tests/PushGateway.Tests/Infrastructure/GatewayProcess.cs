using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// The gateway as its own process (the build next to the tests), for what cannot happen inside the test
/// process: a low open-files limit, a crash. Its console lines can be awaited.
/// </summary>
public sealed partial class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];

    private GatewayProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Collect(line.Data);
        _process.ErrorDataReceived += (_, line) => Collect(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The port it listens on: it binds port 0, and says which port it got when it starts listening.</summary>
    public int Port { get; private set; }

    public Uri HttpAddress => new($"http://127.0.0.1:{Port}/");

    public bool HasExited => _process.HasExited;

    /// <summary>Every line the process wrote so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>
    /// Starts the gateway under <c>ulimit -n <paramref name="openFilesLimit"/></c> and waits until it listens;
    /// from <paramref name="workingDirectory"/> if given, else from its own directory.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(
        int openFilesLimit, IDictionary<string, string>? settings = null, string? workingDirectory = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "PushGateway.dll");
        var start = new ProcessStartInfo("bash", ["-c", $"ulimit -n {openFilesLimit} && exec \"$0\" \"$1\"", DotnetHost(), dll])
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var gateway = new GatewayProcess(Process.Start(start)!);
        var listening = await gateway.WaitForLineAsync("Now listening on");
        gateway.Port = int.Parse(ListeningPattern().Match(listening).Groups[1].Value, CultureInfo.InvariantCulture);
        return gateway;
    }

    /// <summary>The first line (already written or still to come) that contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        // Lines an earlier wait read past are in Lines already.
        if (Lines.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } written)
        {
            return written;
        }

        var token = TestTimeout.Token();
        await foreach (var line in _lines.Reader.ReadAllAsync(token))
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"The gateway exited without writing \"{text}\":\n{string.Join('\n', Lines)}");
    }

    /// <summary>The connection cap the gateway reported at start-up.</summary>
    public long MaxConnections()
    {
        var caps = Lines.Single(line => line.Contains("Connection caps:", StringComparison.Ordinal));
        return long.Parse(CapsPattern().Match(caps).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    /// <summary>The dotnet host that runs the tests (dotnet test says where), else the one on the PATH.</summary>
    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private void Collect(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_seen)
        {
            _seen.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    [GeneratedRegex(@"Connection caps: (\d+) connections")]
    private static partial Regex CapsPattern();

    /// <summary>The address in "Now listening on: http://127.0.0.1:PORT", as text or in a JSON log line.</summary>
    [GeneratedRegex(@"http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPattern();
}
