using System.Net;
using System.Net.WebSockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets;

/// <summary>Private rooms on <c>/ws</c>: joining needs a token that allows subscribing, and a refreshed token must still allow the room.</summary>
public sealed class WebSocketAuthorizationTests : IDisposable
{
    private const string InvalidToken = "invalid token, or it does not allow this topic";

    private readonly GatewayFactory _gateway = new(Tokens.Settings("private/*"));

    public void Dispose() => _gateway.Dispose();

    private DateTimeOffset Now => _gateway.Time.GetUtcNow();

    [Theory]
    [InlineData("publish only")]
    [InlineData("another room")]
    public async Task Join_PrivateRoomWithATokenThatDoesNotAllowSubscribingToIt_Returns403(string token)
    {
        var minted = token == "publish only"
            ? Tokens.Mint(Now, publish: ["private/*"])
            : Tokens.Mint(Now, subscribe: ["private/other"], publish: ["private/*"]);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(new Uri(_gateway.WebSocketAddress, $"ws?topic=private/room&access_token={minted}"), TestTimeout.Token()));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Refresh_WithATokenThatIsNotValid_Closes1008SayingSo()
    {
        using var client = await JoinPrivateRoomAsync();

        await client.SendTextAsync("""{"type":"auth","token":"not-a-jwt"}""");

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, InvalidToken), await client.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Refresh_WithAValidTokenForAnotherRoom_Closes1008SayingSo()
    {
        using var client = await JoinPrivateRoomAsync();
        var elsewhere = Tokens.Mint(Now, subscribe: ["private/other"], publish: ["private/other"]);

        await client.SendTextAsync($$"""{"type":"auth","token":"{{elsewhere}}"}""");

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, InvalidToken), await client.ReceiveCloseAsync());
    }

    private async Task<WebSocketTestClient> JoinPrivateRoomAsync()
    {
        var token = Tokens.Mint(Now, subscribe: ["private/*"], publish: ["private/*"]);
        var client = await WebSocketTestClient.ConnectAsync(_gateway, path: $"ws?topic=private/room&access_token={token}");
        // Joined: what it sends comes back.
        await client.SendTextAsync("joined");
        Assert.Equal("joined", await client.ReceiveTextAsync());
        return client;
    }
}
