using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability;

public sealed class PresenceTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(Tokens.Settings("private/*"));

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task GetTopic_CountsSubscribersOfBothTransportsAndGivesTheLastId()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=rooms/1&topic=other");
        using var ws = await WebSocketTestClient.ConnectAsync(_gateway, path: "ws?topic=rooms/1");
        var last = _gateway.Hub.Publish("rooms/1", "update", "x");
        using var http = _gateway.CreateHttpClient();

        var presence = await http.GetFromJsonAsync<JsonElement>("topics/rooms/1", TestTimeout.Token());

        Assert.Equal("rooms/1", presence.GetProperty("topic").GetString());
        Assert.Equal(2, presence.GetProperty("subscribers").GetInt32());
        Assert.Equal(last.EventId, presence.GetProperty("lastEventId").GetString());
    }

    [Fact]
    public async Task GetTopic_Unknown_HasNoSubscribersAndNoId()
    {
        using var http = _gateway.CreateHttpClient();

        var presence = await http.GetFromJsonAsync<JsonElement>("topics/nobody-here", TestTimeout.Token());

        Assert.Equal(0, presence.GetProperty("subscribers").GetInt32());
        Assert.Equal(JsonValueKind.Null, presence.GetProperty("lastEventId").ValueKind);
    }

    [Fact]
    public async Task GetTopic_InvalidName_Returns400()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("topics/not%20a%20topic", TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }

    [Fact]
    public async Task GetTopic_PrivateWithoutToken_Returns401()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("topics/private/secret", TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task GetTopic_PrivateWithASubscribeToken_Returns200WithTheCount()
    {
        var token = Tokens.Mint(_gateway.Time.GetUtcNow(), subscribe: ["private/*"]);
        await using var sse = await SseTestClient.ConnectAsync(_gateway, $"sse?topic=private/secret&access_token={token}");
        using var http = _gateway.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var presence = await http.GetFromJsonAsync<JsonElement>("topics/private/secret", TestTimeout.Token());

        Assert.Equal(("private/secret", 1), (presence.GetProperty("topic").GetString(), presence.GetProperty("subscribers").GetInt32()));
    }

    [Fact]
    public async Task GetTopic_PrivateWithATokenForAnotherTopic_Returns403()
    {
        using var http = _gateway.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Mint(_gateway.Time.GetUtcNow(), subscribe: ["private/other"], publish: ["*"]));

        using var response = await http.GetAsync("topics/private/secret", TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task GetStats_CountsConnectionsByTransportAndMessages()
    {
        await using var first = await SseTestClient.ConnectAsync(_gateway);
        await using var second = await SseTestClient.ConnectAsync(_gateway, "sse?topic=a");
        using var ws = await WebSocketTestClient.ConnectAsync(_gateway);
        // The socket's echo proves its connection is counted before the stats are read.
        await ws.SendTextAsync("hi");
        Assert.Equal("hi", await ws.ReceiveTextAsync());
        using var http = _gateway.CreateHttpClient();

        var stats = await http.GetFromJsonAsync<JsonElement>("stats", TestTimeout.Token());

        Assert.Equal(2, stats.GetProperty("connections").GetProperty("sse").GetInt64());
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("ws").GetInt64());
        Assert.Equal(3, stats.GetProperty("subscribers").GetInt32());
        Assert.Equal(1, stats.GetProperty("published").GetInt64());
    }
}
