using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class AuthorizationTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(Tokens.Settings("private/*"));

    public void Dispose() => _gateway.Dispose();

    private DateTimeOffset Now => _gateway.Time.GetUtcNow();

    [Fact]
    public async Task Publish_WithoutToken_Returns401WithBearerChallenge()
    {
        using var response = await PublishAsync("news", token: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "Token required");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Publish_WithTokenCoveringEveryTopic_Succeeds()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/1");

        using var response = await PublishAsync("orders/1", Tokens.Mint(Now, publish: ["orders/*"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Publish_ToATopicTheTokenDoesNotCover_Returns403NamingIt()
    {
        using var response = await PublishAsync("orders/1&topic=billing", Tokens.Mint(Now, publish: ["orders/*"]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "Not allowed");
        Assert.Contains("'billing'", await response.Content.ReadAsStringAsync(TestTimeout.Token()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_WithExpiredToken_Returns401()
    {
        var token = Tokens.Mint(Now, publish: ["*"], lifetime: TimeSpan.FromMinutes(5));
        _gateway.Time.Advance(TimeSpan.FromMinutes(10));

        using var response = await PublishAsync("news", token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Publish_WithTokenSignedByAnotherKey_Returns401()
    {
        using var response = await PublishAsync("news", Tokens.Mint(Now, publish: ["*"], key: "another-key-that-is-also-32-bytes-long"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Subscribe_PublicTopic_NeedsNoToken()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=news");

        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("private/other", HttpStatusCode.Forbidden)]
    public async Task Subscribe_PrivateTopicWithoutTheRightToken_IsRefused(string? allowed, HttpStatusCode expected)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse?topic=news&topic=private/mine");
        if (allowed is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint(Now, subscribe: [allowed]));
        }

        using var response = await http.SendAsync(request, TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, expected);
    }

    [Fact]
    public async Task Subscribe_PrivateTopic_WithTokenInQueryOrCookie_Streams()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"]);
        await using var viaQuery = await SseTestClient.ConnectAsync(_gateway, $"sse?topic=private/mine&access_token={token}");
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse?topic=private/mine");
        request.Headers.Add("Cookie", $"pushgateway_token={token}");
        using var viaCookie = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, viaCookie.StatusCode);
        _gateway.Hub.Publish("private/mine", "update", "secret");
        Assert.Equal("secret", (await viaQuery.NextAsync()).Data);
    }

    [Fact]
    public async Task SseStream_EndsWhenItsTokenExpires()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"], lifetime: TimeSpan.FromMinutes(5));
        await using var sse = await SseTestClient.ConnectAsync(_gateway, $"sse?topic=private/mine&access_token={token}");
        _gateway.Hub.Publish("private/mine", "update", "before expiry");
        Assert.Equal("before expiry", (await sse.NextAsync()).Data);

        _gateway.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(StreamEnd.Completed, await sse.EndsAsync());
    }

    [Fact]
    public async Task WebSocket_PrivateRoomWithoutToken_Returns401()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(_gateway.WebSocketAddress, "ws?topic=private/room"), TestTimeout.Token()));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocket_PrivateRoomWithSubscribeOnlyToken_ReceivesButClosesWith1008OnSend()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"]);
        using var reader = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={token}");

        _gateway.Hub.Publish("private/room", "chat", "from the backend");
        Assert.Equal("from the backend", await reader.ReceiveTextAsync());
        await reader.SendTextAsync("may I?");

        var (status, description) = await reader.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the token does not allow publishing to this topic", description);
    }

    [Fact]
    public async Task WebSocket_TokenExpiry_Closes1008UnlessRefreshed()
    {
        var shortLived = Tokens.Mint(Now, subscribe: ["private/*"], publish: ["private/*"], lifetime: TimeSpan.FromMinutes(5));
        using var refreshed = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={shortLived}");
        using var expiring = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={shortLived}");

        var fresh = Tokens.Mint(Now, subscribe: ["private/*"], publish: ["private/*"], lifetime: TimeSpan.FromHours(1));
        await refreshed.SendTextAsync($$"""{"type":"auth","token":"{{fresh}}"}""");
        // The refresh is not chat: the next thing both sockets see is this message.
        await refreshed.SendTextAsync("still here");
        Assert.Equal("still here", await refreshed.ReceiveTextAsync());
        Assert.Equal("still here", await expiring.ReceiveTextAsync());

        _gateway.Time.Advance(TimeSpan.FromMinutes(5));

        var (status, description) = await expiring.ReceiveCloseAsync();
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "token expired"), (status, description));
        await refreshed.SendTextAsync("after the old expiry");
        Assert.Equal("after the old expiry", await refreshed.ReceiveTextAsync());
    }

    [Fact]
    public async Task WebSocket_RefreshWithATokenThatNoLongerAllowsPublishing_Closes1008OnTheNextSend()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"], publish: ["private/*"]);
        using var client = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={token}");
        await client.SendTextAsync("while allowed");
        Assert.Equal("while allowed", await client.ReceiveTextAsync());

        await client.SendTextAsync($$"""{"type":"auth","token":"{{Tokens.Mint(Now, subscribe: ["private/*"])}}"}""");
        // Still subscribed to the room: it receives, but may no longer send.
        _gateway.Hub.Publish("private/room", "chat", "from the backend");
        Assert.Equal("from the backend", await client.ReceiveTextAsync());
        await client.SendTextAsync("no longer allowed");

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "the token does not allow publishing to this topic"), (status, description));
    }

    [Fact]
    public async Task WebSocket_RefreshWithInvalidToken_Closes1008()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"], publish: ["private/*"]);
        using var client = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={token}");

        await client.SendTextAsync("""{"type":"auth","token":"not-a-jwt"}""");

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task WebSocket_PublicRoom_AnyoneMaySend()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        await client.SendTextAsync("""{"type":"not-auth"}""");

        Assert.Equal("""{"type":"not-auth"}""", await client.ReceiveTextAsync());
    }

    private async Task<HttpResponseMessage> PublishAsync(string topicQuery, string? token)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish")
        {
            Content = new StringContent($"topic={topicQuery}&data=hello", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await http.SendAsync(request, TestTimeout.Token());
        await response.Content.LoadIntoBufferAsync(TestTimeout.Token());
        return response;
    }
}
