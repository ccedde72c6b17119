using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Client;

/// <summary>
/// The TypeScript client (<c>clients/js</c>, built by <c>npm run build</c>) on Node against the real gateway, over the
/// WebSocket sub-protocol, over SSE, and falling back to SSE where WebSockets cannot connect: it resumes after its
/// connection is cut, without loss or repeat, sees itself in the topic's presence, and publishes, a repeat with the
/// same idempotency key answered from the first (tests/PushGateway.Tests/node/js-client.mjs).
/// </summary>
public sealed class JsClientTests : IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("blocked-websocket")]
    public async Task Subscription_CutAndRestored_ResumesWithoutLossOrRepeat_ThenPublishesOnceUnderOneKey(string transport)
    {
        var built = Path.Combine(RepositoryPaths.Root, "clients", "js", "dist", "index.js");
        Assert.SkipUnless(File.Exists(built), "build the client first: npm ci --prefix clients/js && npm run --prefix clients/js build");
        await using var relay = new TcpRelay(_gateway.HttpAddress.Port);
        var start = await _gateway.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var node = Process.Start(new ProcessStartInfo(
            // Node 20 has its WebSocket behind a flag.
            "node", ["--experimental-websocket", "js-client.mjs", $"http://127.0.0.1:{relay.Port}/", "news", start.Position.ToString(), "3", transport])
        {
            WorkingDirectory = RepositoryPaths.NodeClient,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = node.StandardError.ReadToEndAsync(TestTimeout.Token());
        try
        {
            var lines = Lines(node);
            if (transport == "blocked-websocket")
            {
                await NextAsync(lines, line => line.GetProperty("type").GetString() == "transport" && line.GetProperty("transport").GetString() == "sse");
            }

            await NextAsync(lines, line => line.GetProperty("type").GetString() == "state" && line.GetProperty("state").GetString() == "open");

            await _gateway.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
            var first = await NextMessageAsync(lines);
            var presence = await NextAsync(lines, line => line.GetProperty("type").GetString() == "presence");
            relay.Cut();
            await _gateway.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
            relay.Restore();
            var resumed = await NextMessageAsync(lines);
            await _gateway.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());
            var live = await NextMessageAsync(lines);
            // The client's own message and the answers to its publishes come in any order.
            var ownAndAnswers = new[] { await NextAsync(lines, IsOwnOrAnswer), await NextAsync(lines, IsOwnOrAnswer), await NextAsync(lines, IsOwnOrAnswer) };
            var own = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "message");
            var published = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "published");
            var republished = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "republished");
            await node.WaitForExitAsync(TestTimeout.Token());

            Assert.Equal(["m1", "m2", "m3"], new[] { first, resumed, live }.Select(line => line.GetProperty("data").GetString()));
            Assert.Equal(("from node", "update"), (own.GetProperty("data").GetString(), own.GetProperty("event").GetString()));
            Assert.Equal((own.GetProperty("id").GetString(), false), (published.GetProperty("id").GetString(), published.GetProperty("replayed").GetBoolean()));
            Assert.Equal((own.GetProperty("id").GetString(), true), (republished.GetProperty("id").GetString(), republished.GetProperty("replayed").GetBoolean()));
            Assert.Equal(("news", 1), (presence.GetProperty("topic").GetString(), presence.GetProperty("subscribers").GetInt32()));
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }

            TestContext.Current.TestOutputHelper?.WriteLine(await errors);
        }
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    public async Task DrainingGateway_ItsReconnectDelayIsTheOneTheClientWaits(string transport)
    {
        var built = Path.Combine(RepositoryPaths.Root, "clients", "js", "dist", "index.js");
        Assert.SkipUnless(File.Exists(built), "build the client first: npm ci --prefix clients/js && npm run --prefix clients/js build");
        // No spread: every client is told to wait exactly the minimum (the reconnect frame's delayMs, the stream's last retry:).
        var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Shutdown:DrainWindow"] = "00:00:00",
            ["PushGateway:Shutdown:SseRetryMinimum"] = "00:00:01.234",
        });
        // From a known id: m1 then arrives whether it is published before or after the subscription is in place.
        var start = await gateway.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var node = Process.Start(new ProcessStartInfo(
            "node", ["--experimental-websocket", "js-client.mjs", gateway.HttpAddress.ToString(), "news", start.Position.ToString(), "100", transport])
        {
            WorkingDirectory = RepositoryPaths.NodeClient,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var lines = Lines(node);
            await NextAsync(lines, line => line.GetProperty("type").GetString() == "state" && line.GetProperty("state").GetString() == "open");
            await gateway.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
            await NextMessageAsync(lines);

            await gateway.DisposeAsync();
            var wait = await NextAsync(lines, line => line.GetProperty("type").GetString() == "wait");

            Assert.Equal((1234, true), (wait.GetProperty("delayMs").GetInt32(), wait.GetProperty("fromServer").GetBoolean()));
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
    }

    [Fact]
    public async Task WebSocket_RefreshesItsTokenBeforeItExpires_AndKeepsItsSocket()
    {
        var built = Path.Combine(RepositoryPaths.Root, "clients", "js", "dist", "index.js");
        Assert.SkipUnless(File.Exists(built), "build the client first: npm ci --prefix clients/js && npm run --prefix clients/js build");
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>(Tokens.Settings("private/*")) { ["PushGateway:Ticker:Enabled"] = "false" });
        var now = gateway.Time.GetUtcNow();
        var shortLived = Tokens.Mint(now, subscribe: ["private/*"], lifetime: TimeSpan.FromSeconds(2));
        var next = Tokens.Mint(now, subscribe: ["private/*"], lifetime: TimeSpan.FromHours(1));
        using var node = Process.Start(new ProcessStartInfo(
            "node", ["--experimental-websocket", "js-client-refresh.mjs", gateway.HttpAddress.ToString(), "private/feed", shortLived, next])
        {
            WorkingDirectory = RepositoryPaths.NodeClient,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var lines = Lines(node);
            var seen = new List<JsonElement>();
            bool Record(JsonElement line, string type)
            {
                seen.Add(line);
                return line.GetProperty("type").GetString() == type;
            }

            // Four fifths into the short token's life (1.6 s on the client's clock), the client hands the gateway the next one.
            await NextAsync(lines, line => Record(line, "refreshed"));
            // Past the short token's expiry on the gateway's clock: only the refreshed token keeps the socket open.
            gateway.Time.Advance(TimeSpan.FromMinutes(1));
            await gateway.Hub.PublishAsync("private/feed", "update", "still here", TestTimeout.Token());
            var message = await NextAsync(lines, line => Record(line, "message"));
            await node.WaitForExitAsync(TestTimeout.Token());

            Assert.Equal("still here", message.GetProperty("data").GetString());
            Assert.Equal([1, 2], seen.Where(line => line.GetProperty("type").GetString() == "token").Select(line => line.GetProperty("n").GetInt32()));
            Assert.Equal(["connecting", "open"], seen.Where(line => line.GetProperty("type").GetString() == "state").Select(line => line.GetProperty("state").GetString()));
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
    }

    private static ChannelReader<JsonElement> Lines(Process node)
    {
        var lines = Channel.CreateUnbounded<JsonElement>();
        _ = Task.Run(async () =>
        {
            while (await node.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Writer.TryWrite(JsonDocument.Parse(line).RootElement);
            }

            lines.Writer.TryComplete();
        });
        return lines.Reader;
    }

    private static bool IsOwnOrAnswer(JsonElement line) =>
        line.GetProperty("type").GetString() is "published" or "republished" || (line.TryGetProperty("data", out var data) && data.GetString() == "from node");

    private static Task<JsonElement> NextMessageAsync(ChannelReader<JsonElement> lines) =>
        NextAsync(lines, line => line.GetProperty("type").GetString() is "message" or "gap");

    /// <summary>The next line that <paramref name="matches"/>, skipping others (state changes); fails if the client ends first.</summary>
    private static async Task<JsonElement> NextAsync(ChannelReader<JsonElement> lines, Func<JsonElement, bool> matches)
    {
        await foreach (var line in lines.ReadAllAsync(TestTimeout.Token()))
        {
            if (matches(line))
            {
                return line;
            }
        }

        Assert.Fail("the Node client ended first");
        return default;
    }
}
