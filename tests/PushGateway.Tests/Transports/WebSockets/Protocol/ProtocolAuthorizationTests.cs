using System.Net.WebSockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets.Protocol;

/// <summary>The sub-protocol with tokens: each subscribe and publish authorized on its own, refused with an error frame.</summary>
public sealed class ProtocolAuthorizationTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(Tokens.Settings("private/*"));

    public void Dispose() => _gateway.Dispose();

    private DateTimeOffset Now => _gateway.Time.GetUtcNow();

    [Fact]
    public async Task Subscribe_ToAPrivateTopicTheTokenDoesNotAllow_IsRefusedAndTheSocketKeepsWorking()
    {
        using var client = await ConnectAsync(Tokens.Mint(Now, subscribe: ["private/mine"]));

        await client.SendAsync("""{"type":"subscribe","id":"s1","topics":["public","private/yours"]}""");

        Assert.Equal("forbidden", await client.ReceiveErrorAsync("s1"));
        // Nothing of the refused request was subscribed, and the socket goes on.
        _gateway.Hub.Publish("public", "message", "not subscribed");
        Assert.Equal(["none", "none"], await client.SubscribeAsync("s2", "private/mine", "public"));
        var message = _gateway.Hub.Publish("private/mine", "message", "mine");
        Assert.Equal(message.EventId, (await client.ReceiveAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Subscribe_ToAPrivateTopicWithoutAToken_IsUnauthenticatedAndPublicTopicsStillWork()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        await client.SendAsync("""{"type":"subscribe","id":"s1","topics":["private/mine"]}""");

        Assert.Equal("unauthenticated", await client.ReceiveErrorAsync("s1"));
        Assert.Equal(["none"], await client.SubscribeAsync("s2", "public"));
    }

    [Fact]
    public async Task Publish_ToATopicTheTokenDoesNotAllow_IsRefusedAndNothingIsDelivered()
    {
        using var client = await ConnectAsync(Tokens.Mint(Now, publish: ["allowed"], subscribe: ["private/*"]));
        await client.SubscribeAsync("s1", "allowed", "other");

        await client.SendAsync("""{"type":"publish","id":"p1","topics":["allowed","other"],"data":"x"}""");

        Assert.Equal("forbidden", await client.ReceiveErrorAsync("p1"));
        await client.SendAsync("""{"type":"publish","id":"p2","topics":["allowed"],"data":"y"}""");
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.Equal(["ack", "message"], frames.Select(frame => frame.GetProperty("type").GetString()).Order());
        Assert.Contains(frames, frame => frame.TryGetProperty("data", out var data) && data.GetString() == "y");
    }

    [Fact]
    public async Task Publish_WithoutAToken_IsUnauthenticated()
    {
        using var client = await ProtocolTestClient.ConnectAsync(_gateway);

        await client.SendAsync("""{"type":"publish","id":"p1","topics":["public"],"data":"x"}""");

        Assert.Equal("unauthenticated", await client.ReceiveErrorAsync("p1"));
    }

    [Fact]
    public async Task Refresh_WithAnInvalidToken_IsRefusedAndTheSocketKeepsItsToken()
    {
        using var client = await ConnectAsync(Tokens.Mint(Now, subscribe: ["private/mine"]));

        await client.SendAsync("""{"type":"refresh","id":"r1","token":"not-a-jwt"}""");

        Assert.Equal("invalid_token", await client.ReceiveErrorAsync("r1"));
        Assert.Equal(["none"], await client.SubscribeAsync("s1", "private/mine"));
    }

    [Fact]
    public async Task Refresh_WithAValidToken_OutlivesTheFirstToken()
    {
        using var client = await ConnectAsync(Tokens.Mint(Now, subscribe: ["private/mine"], lifetime: TimeSpan.FromMinutes(1)));
        await client.SubscribeAsync("s1", "private/mine");

        await client.SendAsync($$"""{"type":"refresh","id":"r1","token":"{{Tokens.Mint(Now, subscribe: ["private/*"], lifetime: TimeSpan.FromMinutes(10))}}"}""");
        Assert.Equal("""{"type":"ack","id":"r1"}""", await client.ReceiveTextAsync());
        _gateway.Time.Advance(TimeSpan.FromMinutes(5));

        var message = _gateway.Hub.Publish("private/mine", "message", "after the first token expired");
        Assert.Equal(message.EventId, (await client.ReceiveAsync()).GetProperty("id").GetString());
        _gateway.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "token expired"), await client.Client.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Refresh_WithATokenThatNoLongerAllowsAHeldTopic_Closes1008()
    {
        using var client = await ConnectAsync(Tokens.Mint(Now, subscribe: ["private/mine"]));
        await client.SubscribeAsync("s1", "private/mine");

        await client.SendAsync($$"""{"type":"refresh","id":"r1","token":"{{Tokens.Mint(Now, subscribe: ["private/other"])}}"}""");

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await client.Client.ReceiveCloseAsync()).Status);
    }

    private Task<ProtocolTestClient> ConnectAsync(string token) => ProtocolTestClient.ConnectAsync(_gateway, $"ws?access_token={token}");
}
