using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A script of <c>tests/PushGateway.Tests/node</c> that drives the built TypeScript client and prints one JSON object
/// per line: started with Node's WebSocket (behind a flag on Node 20), killed if still running when disposed.
/// </summary>
public sealed class NodeScript : IDisposable
{
    private readonly Process _node;

    private NodeScript(Process node)
    {
        _node = node;
        var lines = Channel.CreateUnbounded<JsonElement>();
        _ = Task.Run(async () =>
        {
            while (await node.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Writer.TryWrite(JsonDocument.Parse(line).RootElement);
            }

            lines.Writer.TryComplete();
        });
        Lines = lines.Reader;
    }

    /// <summary>What the script printed, a line at a time.</summary>
    public ChannelReader<JsonElement> Lines { get; }

    public int ExitCode => _node.ExitCode;

    /// <summary>Starts <paramref name="script"/>, or skips the test when the client is not built.</summary>
    public static NodeScript Start(string script, params string[] arguments)
    {
        JsClient.SkipUnlessBuilt();
        return Run(script, arguments);
    }

    /// <summary>Starts <paramref name="script"/>, which uses the folder's npm packages, or skips the test when they are not installed.</summary>
    public static NodeScript StartWithPackages(string script, params string[] arguments)
    {
        Assert.SkipUnless(
            Directory.Exists(Path.Combine(RepositoryPaths.NodeClient, "node_modules")), $"run `npm ci --prefix {RepositoryPaths.NodeClient}` first");
        return Run(script, arguments);
    }

    private static NodeScript Run(string script, string[] arguments) =>
        new(Process.Start(new ProcessStartInfo("node", ["--experimental-websocket", script, .. arguments])
        {
            WorkingDirectory = RepositoryPaths.NodeClient,
            RedirectStandardOutput = true,
        })!);

    public Task WaitForExitAsync() => _node.WaitForExitAsync(TestTimeout.Token());

    /// <summary>The next line that <paramref name="matches"/>, skipping others (state changes); fails if the script ends first.</summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> matches)
    {
        await foreach (var line in Lines.ReadAllAsync(TestTimeout.Token()))
        {
            if (matches(line))
            {
                return line;
            }
        }

        Assert.Fail("the Node client ended first");
        return default;
    }

    public void Dispose()
    {
        if (!_node.HasExited)
        {
            _node.Kill();
        }

        _node.Dispose();
    }
}

/// <summary>The TypeScript client of <c>clients/js</c>, as its tests use it once built.</summary>
public static class JsClient
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "clients", "js");

    public static void SkipUnlessBuilt() =>
        Assert.SkipUnless(File.Exists(Path.Combine(Folder, "dist", "index.js")), "build the client first: npm ci --prefix clients/js && npm run --prefix clients/js build");
}
