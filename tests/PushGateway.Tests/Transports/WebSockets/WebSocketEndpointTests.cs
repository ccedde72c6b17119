using System.Net;
using System.Net.WebSockets;
using System.Text;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets;

public sealed class WebSocketEndpointTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:WebSockets:MaxMessageBytes"] = "64",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Send_SeveralSockets_EveryMessageReachesEverySocketIncludingSender()
    {
        using var alice = await WebSocketTestClient.ConnectAsync(_gateway);
        using var bob = await WebSocketTestClient.ConnectAsync(_gateway);
        using var carol = await WebSocketTestClient.ConnectAsync(_gateway);

        // One sender at a time: two sockets' messages have no order between them.
        foreach (var (sender, text) in new[] { (alice, "hello from alice"), (bob, "héllo from bob ✓") })
        {
            await sender.SendTextAsync(text);
            foreach (var client in new[] { alice, bob, carol })
            {
                Assert.Equal(text, await client.ReceiveTextAsync());
            }
        }
    }

    [Fact]
    public async Task Send_MessageAtTheSizeLimit_IsBroadcastVerbatim()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);
        var text = new string('x', 62) + "\n!";

        await client.SendTextAsync(text);

        Assert.Equal(text, await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Send_MessageOverTheSizeLimit_Closes1009AndOthersCarryOn()
    {
        using var offender = await WebSocketTestClient.ConnectAsync(_gateway);
        using var bystander = await WebSocketTestClient.ConnectAsync(_gateway);

        await offender.SendTextAsync(new string('x', 65));

        var (status, description) = await offender.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Equal("message exceeds 64 bytes", description);
        await bystander.SendTextAsync("still here");
        Assert.Equal("still here", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Send_FragmentedMessageOverTheSizeLimit_Closes1009()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);
        var fragment = Encoding.UTF8.GetBytes(new string('y', 40));

        await client.Socket.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage: false, TestTimeout.Token());
        await client.Socket.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage: true, TestTimeout.Token());

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task Send_BinaryMessage_Closes1003()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, endOfMessage: true, TestTimeout.Token());

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
        Assert.Equal("binary messages are not accepted", description);
    }

    [Fact]
    public async Task Send_InvalidUtf8_EndsTheConnectionWith1007AndNothingIsBroadcast()
    {
        using var offender = await WebSocketTestClient.ConnectAsync(_gateway);
        using var bystander = await WebSocketTestClient.ConnectAsync(_gateway);

        await offender.Socket.SendAsync(new byte[] { 0x68, 0xC3, 0x28 }, WebSocketMessageType.Text, endOfMessage: true, TestTimeout.Token());

        // The runtime's WebSocket validates UTF-8 itself and sends 1007, without a reason text.
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, (await offender.ReceiveCloseAsync()).Status);
        await bystander.SendTextAsync("next");
        Assert.Equal("next", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Close_ByClient_IsAnsweredAndUnsubscribes()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", TestTimeout.Token());

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task Get_WithoutUpgrade_Returns400Problem()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("ws", TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "WebSocket upgrade required");
    }

    [Fact]
    public async Task Send_InARoom_ReachesOnlyThatRoomAndItsSseSubscribers()
    {
        using var roomA = await WebSocketTestClient.ConnectAsync(_gateway, path: "ws?topic=room-a");
        using var roomB = await WebSocketTestClient.ConnectAsync(_gateway, path: "ws?topic=room-b");
        using var lobby = await WebSocketTestClient.ConnectAsync(_gateway);
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=room-a");

        await roomA.SendTextAsync("for room a");
        await roomB.SendTextAsync("for room b");
        await lobby.SendTextAsync("for the lobby");

        Assert.Equal("for room a", await roomA.ReceiveTextAsync());
        Assert.Equal("for room b", await roomB.ReceiveTextAsync());
        Assert.Equal("for the lobby", await lobby.ReceiveTextAsync());
        var chat = await sse.NextAsync();
        Assert.Equal(("chat", "for room a"), (chat.EventType, chat.Data));
        _gateway.Hub.Publish("room-b", "notice", "published to room b");
        Assert.Equal("published to room b", await roomB.ReceiveTextAsync());
    }

    [Theory]
    [InlineData("ws?topic=a&topic=b")]
    [InlineData("ws?topic=bad%20name")]
    public async Task Get_WithBadTopic_Returns400NamingIt(string path)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }

    [Fact]
    public async Task Publish_OnTicker_DoesNotReachWebSockets()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        _gateway.Hub.Publish(BuiltInTopics.Ticker, EventTypes.Message, "tick");
        await client.SendTextAsync("chat");

        Assert.Equal("chat", await client.ReceiveTextAsync());
    }
}

public sealed class WebSocketOriginTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:WebSockets:AllowedOrigins:0"] = "https://app.example",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Connect_FromAllowedOrigin_Succeeds()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway, options => options.SetRequestHeader("Origin", "https://APP.example"));

        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task Connect_WithoutOrigin_Succeeds()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task Connect_FromOtherOrigin_Returns403Problem()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "https://evil.example");
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_gateway.WebSocketAddress, TestTimeout.Token()));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Connect_FromOtherOrigin_AnswersWithAProblemBody()
    {
        var server = _gateway.HttpAddress;
        var request = Encoding.ASCII.GetBytes(
            $"GET /ws HTTP/1.1\r\nHost: {server.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n");

        var response = await RawHttp.ExchangeAsync(server, request);

        Assert.Equal(403, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        using var problem = System.Text.Json.JsonDocument.Parse(response.Body);
        Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Origin not allowed", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("AllowedOrigins", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
