using System.Diagnostics;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

/// <summary>
/// <c>POST /sse</c> with an Authorization header and a JSON body, driven by the real
/// <c>@microsoft/fetch-event-source</c> on Node (tests/PushGateway.Tests/node, installed by <c>npm ci</c>).
/// </summary>
public sealed class FetchEventSourceTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(Tokens.Settings("private/*"));

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task FetchEventSource_WithBearerTokenAndBody_ReceivesPrivateTopicFromItsLastEventId()
    {
        var seen = _gateway.Hub.Publish("private/feed", "update", "seen");
        _gateway.Hub.Publish("private/feed", "update", "missed\nover two lines");
        var token = Tokens.Mint(_gateway.Time.GetUtcNow(), subscribe: ["private/*"]);

        var (exitCode, lines) = await RunAsync(
            "2", token, JsonSerializer.Serialize(new { topics = new[] { "private/feed" }, lastEventId = seen.EventId }),
            afterStart: () => _gateway.Hub.Publish("private/feed", "update", "live"));

        Assert.Equal(0, exitCode);
        Assert.Equal(["missed\nover two lines", "live"], lines.Select(line => line.GetProperty("data").GetString()));
        Assert.All(lines, line => Assert.Equal("update", line.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task FetchEventSource_WithoutToken_GetsA401Problem()
    {
        var (exitCode, lines) = await RunAsync("1", "", """{"topics":["private/feed"]}""");

        Assert.Equal(2, exitCode);
        var error = Assert.Single(lines);
        Assert.Equal(401, error.GetProperty("status").GetInt32());
        Assert.Equal("application/problem+json", error.GetProperty("contentType").GetString());
    }

    private async Task<(int ExitCode, List<JsonElement> Lines)> RunAsync(string count, string token, string body, Action? afterStart = null)
    {
        var folder = RepositoryPaths.NodeClient;
        Assert.SkipUnless(Directory.Exists(Path.Combine(folder, "node_modules")), $"run `npm ci --prefix {folder}` first");
        var start = new ProcessStartInfo("node", ["fetch-sse.mjs", new Uri(_gateway.HttpAddress, "sse").ToString(), count, token, body])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync(TestTimeout.Token());
        if (afterStart is not null)
        {
            // Published while the client is (or is about to be) connected: replay or live, it must arrive once.
            afterStart();
        }

        var text = await output;
        await node.WaitForExitAsync(TestTimeout.Token());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        return (node.ExitCode, lines);
    }
}
