using System.Globalization;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// One gateway process as it ships (the published build), on the server CPU, with its output in a
/// log file: started with the defaults except what a scenario sets, optionally under a lower
/// open-files limit, and watched for Error lines and its exit.
/// </summary>
internal sealed class GatewayNode : IDisposable
{
    /// <summary>What every scenario changes from the defaults, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        // The publisher is one trusted backend sending hundreds of messages a second.
        ["PushGateway__Limits__PublishesPerPeriod"] = "1000000",
        ["PushGateway__Limits__PublishBurst"] = "1000000",
        // One line per request would cost the server more than the traffic; 4xx and 5xx still log (at Warning, Error only for a request that threw).
        ["Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
    };

    private readonly ServerProcess _server;

    private GatewayNode(string name, ServerProcess server, string logPath)
    {
        (Name, _server, LogPath) = (name, server, logPath);
        BaseAddress = new Uri($"http://127.0.0.1:{server.Port}");
    }

    public string Name { get; }

    public string LogPath { get; }

    public Uri BaseAddress { get; }

    public int Port => _server.Port;

    public int ProcessId => _server.Id;

    public bool IsAlive => !_server.HasExited;

    public int? ExitCode => _server.ExitCode;

    /// <summary>Resident set size in bytes; 0 once the process is gone.</summary>
    public long ResidentBytes()
    {
        try
        {
            return IsAlive ? _server.ResidentBytes() : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>File descriptors the process holds, and how many of them are sockets; zeros once it is gone.</summary>
    public (int Total, int Sockets) OpenDescriptors()
    {
        try
        {
            if (!IsAlive)
            {
                return (0, 0);
            }

            var descriptors = new DirectoryInfo($"/proc/{ProcessId}/fd").GetFileSystemInfos();
            return (descriptors.Length, descriptors.Count(d => d.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    /// <summary>Starts a node and waits until it answers <c>/healthz</c>; <paramref name="port"/>: the port to listen on (a restarted node keeps its address), null for a free one.</summary>
    public static async Task<GatewayNode> StartAsync(
        AbuseContext context, string name, IReadOnlyDictionary<string, string>? environment, int? openFilesLimit, CancellationToken cancellationToken,
        int? port = null)
    {
        var settings = new Dictionary<string, string>(Defaults);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        // The content root is the published directory, as in the container (WORKDIR /app): from anywhere else the
        // gateway finds no appsettings.json, so it logs nothing at all and the log checks would see nothing.
        string[] gateway = ["dotnet", context.GatewayDll, "--contentRoot", Path.GetDirectoryName(context.GatewayDll)!, "--urls", "http://127.0.0.1:{port}"];
        var contestant = openFilesLimit is { } limit
            ? new Contestant(name, name, Protocol.Sse, "/sse", Protocol.HttpPost, "/publish", "prlimit",
                [$"--nofile={limit}:{limit}", .. gateway], settings)
            : new Contestant(name, name, Protocol.Sse, "/sse", Protocol.HttpPost, "/publish", gateway[0], gateway[1..], settings);
        var logPath = Path.Combine(context.LogDirectory, name + ".log");
        var server = ServerProcess.Start(contestant, context.ServerCpu, logPath, port);
        var node = new GatewayNode(name, server, logPath);
        try
        {
            await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            await node.WaitUntilAsync("/healthz", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="path"/> answers 200 (e.g. <c>/readyz</c> once Redis is reachable).</summary>
    public async Task WaitUntilAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, path), deadline.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !deadline.IsCancellationRequested))
            {
                // Not up yet.
            }

            if (!IsAlive)
            {
                throw new InvalidOperationException($"{Name} exited with {ExitCode}; see {LogPath}.");
            }

            await Task.Delay(100, deadline.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Lines of the log at Error or Fatal, <c>responded 500</c>, and the runtime's own abort message.</summary>
    public LogCounts CountLog()
    {
        var counts = new LogCounts();
        foreach (var line in ReadLog())
        {
            if (line.Contains(" ERR]", StringComparison.Ordinal) || line.Contains(" FTL]", StringComparison.Ordinal))
            {
                counts.ErrorLines++;
                counts.FirstError ??= line.Length > 200 ? line[..200] : line;
            }

            counts.Responded500 += line.Contains("responded 500", StringComparison.Ordinal) ? 1 : 0;
            counts.OutOfMemory |= line.Contains("Out of memory", StringComparison.Ordinal);
        }

        return counts;
    }

    /// <summary>The log lines containing <paramref name="text"/>, each from that text on.</summary>
    public List<string> LogLines(string text) =>
        [.. ReadLog().Select(line => (Line: line, At: line.IndexOf(text, StringComparison.Ordinal))).Where(p => p.At >= 0).Select(p => p.Line[p.At..])];

    /// <summary>SIGKILL: the node dies without closing anything.</summary>
    public void Kill() => Signals.Send(ProcessId, Signals.Kill);

    /// <summary>SIGTERM: the node drains (see "Stopping a node" in the README) and exits.</summary>
    public void Terminate() => Signals.Send(ProcessId, Signals.Terminate);

    /// <summary>Waits until the process has exited; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Phases.Now;
        while (IsAlive && System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return !IsAlive;
    }

    public string Describe() => IsAlive
        ? $"alive, RSS {ResidentBytes() >> 20} MiB"
        : $"exited with {ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}";

    public void Dispose() => _server.Dispose();

    private IEnumerable<string> ReadLog()
    {
        if (!File.Exists(LogPath))
        {
            yield break;
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }
}
