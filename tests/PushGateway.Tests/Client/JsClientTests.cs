using System.Text.Json;
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
        await using var relay = new TcpRelay(_gateway.HttpAddress.Port);
        var start = await _gateway.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var node = NodeScript.Start("js-client.mjs", $"http://127.0.0.1:{relay.Port}/", "news", start.Position.ToString(), "3", transport);
        if (transport == "blocked-websocket")
        {
            await node.NextAsync(line => line.GetProperty("type").GetString() == "transport" && line.GetProperty("transport").GetString() == "sse");
        }

        await node.NextAsync(line => line.GetProperty("type").GetString() == "state" && line.GetProperty("state").GetString() == "open");

        await _gateway.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        var first = await NextMessageAsync(node);
        var presence = await node.NextAsync(line => line.GetProperty("type").GetString() == "presence");
        relay.Cut();
        await _gateway.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
        relay.Restore();
        var resumed = await NextMessageAsync(node);
        await _gateway.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());
        var live = await NextMessageAsync(node);
        // The client's own message and the answers to its publishes come in any order.
        var ownAndAnswers = new[] { await node.NextAsync(IsOwnOrAnswer), await node.NextAsync(IsOwnOrAnswer), await node.NextAsync(IsOwnOrAnswer) };
        var own = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "message");
        var published = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "published");
        var republished = ownAndAnswers.Single(line => line.GetProperty("type").GetString() == "republished");
        await node.WaitForExitAsync();

        Assert.Equal(["m1", "m2", "m3"], new[] { first, resumed, live }.Select(line => line.GetProperty("data").GetString()));
        Assert.Equal(("from node", "update"), (own.GetProperty("data").GetString(), own.GetProperty("event").GetString()));
        Assert.Equal((own.GetProperty("id").GetString(), false), (published.GetProperty("id").GetString(), published.GetProperty("replayed").GetBoolean()));
        Assert.Equal((own.GetProperty("id").GetString(), true), (republished.GetProperty("id").GetString(), republished.GetProperty("replayed").GetBoolean()));
        Assert.Equal(("news", 1), (presence.GetProperty("topic").GetString(), presence.GetProperty("subscribers").GetInt32()));
        Assert.Equal(0, node.ExitCode);
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    public async Task DrainingGateway_ItsReconnectDelayIsTheOneTheClientWaits(string transport)
    {
        // No spread: every client is told to wait exactly the minimum (the reconnect frame's delayMs, the stream's last retry:).
        var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Shutdown:DrainWindow"] = "00:00:00",
            ["PushGateway:Shutdown:SseRetryMinimum"] = "00:00:01.234",
        });
        // From a known id: m1 then arrives whether it is published before or after the subscription is in place.
        var start = await gateway.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());
        using var node = NodeScript.Start("js-client.mjs", gateway.HttpAddress.ToString(), "news", start.Position.ToString(), "100", transport);
        await node.NextAsync(line => line.GetProperty("type").GetString() == "state" && line.GetProperty("state").GetString() == "open");
        await gateway.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        await NextMessageAsync(node);

        await gateway.DisposeAsync();
        var wait = await node.NextAsync(line => line.GetProperty("type").GetString() == "wait");

        Assert.Equal((1234, true), (wait.GetProperty("delayMs").GetInt32(), wait.GetProperty("fromServer").GetBoolean()));
    }

    [Fact]
    public async Task WebSocket_RefreshesItsTokenBeforeItExpires_AndKeepsItsSocket()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>(Tokens.Settings("private/*")) { ["PushGateway:Ticker:Enabled"] = "false" });
        var now = gateway.Time.GetUtcNow();
        var shortLived = Tokens.Mint(now, subscribe: ["private/*"], lifetime: TimeSpan.FromSeconds(2));
        var next = Tokens.Mint(now, subscribe: ["private/*"], lifetime: TimeSpan.FromHours(1));
        using var node = NodeScript.Start("js-client-refresh.mjs", gateway.HttpAddress.ToString(), "private/feed", shortLived, next);
        var seen = new List<JsonElement>();
        bool Record(JsonElement line, string type)
        {
            seen.Add(line);
            return line.GetProperty("type").GetString() == type;
        }

        // Four fifths into the short token's life (1.6 s on the client's clock), the client hands the gateway the next one.
        await node.NextAsync(line => Record(line, "refreshed"));
        // Past the short token's expiry on the gateway's clock: only the refreshed token keeps the socket open.
        gateway.Time.Advance(TimeSpan.FromMinutes(1));
        await gateway.Hub.PublishAsync("private/feed", "update", "still here", TestTimeout.Token());
        var message = await node.NextAsync(line => Record(line, "message"));
        await node.WaitForExitAsync();

        Assert.Equal("still here", message.GetProperty("data").GetString());
        Assert.Equal([1, 2], seen.Where(line => line.GetProperty("type").GetString() == "token").Select(line => line.GetProperty("n").GetInt32()));
        Assert.Equal(["connecting", "open"], seen.Where(line => line.GetProperty("type").GetString() == "state").Select(line => line.GetProperty("state").GetString()));
    }

    private static bool IsOwnOrAnswer(JsonElement line) =>
        line.GetProperty("type").GetString() is "published" or "republished" || (line.TryGetProperty("data", out var data) && data.GetString() == "from node");

    private static Task<JsonElement> NextMessageAsync(NodeScript node) =>
        node.NextAsync(line => line.GetProperty("type").GetString() is "message" or "gap");
}
