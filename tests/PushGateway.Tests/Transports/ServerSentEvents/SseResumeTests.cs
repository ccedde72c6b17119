using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

public sealed class SseResumeTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Hub:HistorySize"] = "5",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Reconnect_WithLastEventIdHeader_ReplaysMissedThenGoesLiveWithoutLossOrDuplicates()
    {
        string lastSeen;
        await using (var first = await SseTestClient.ConnectAsync(_gateway))
        {
            Publish("m1", "m2");
            Assert.Equal("m1", (await first.NextAsync()).Data);
            lastSeen = (await first.NextAsync()).EventId ?? string.Empty;
        }

        Publish("m3", "m4");
        await using var resumed = await SseTestClient.ConnectAsync(_gateway, lastEventId: lastSeen);
        Publish("m5");

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(["m3", "m4", "m5"], [(await resumed.NextAsync()).Data, (await resumed.NextAsync()).Data, (await resumed.NextAsync()).Data]);
    }

    [Fact]
    public async Task Reconnect_WithLastEventIdQuery_Replays()
    {
        var seen = Publish("a", "b", "c");

        await using var resumed = await SseTestClient.ConnectAsync(_gateway, $"sse?lastEventId={seen[0].Position}");
        Publish("d");

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(seen[1].Position.ToString(), (await resumed.NextAsync()).EventId);
        Assert.Equal("c", (await resumed.NextAsync()).Data);
        Assert.Equal("d", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Reconnect_UpToDate_ReplaysNothing()
    {
        var seen = Publish("a", "b");

        await using var resumed = await SseTestClient.ConnectAsync(_gateway, lastEventId: seen[1].Position.ToString());
        Publish("c");

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal("c", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Reconnect_WithIdOlderThanHistory_IsToldOfTheGapAndGetsWhatIsKept()
    {
        var seen = Publish("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8");

        await using var resumed = await SseTestClient.ConnectAsync(_gateway, lastEventId: seen[0].Position.ToString());

        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        var gap = await resumed.NextAsync();
        Assert.Equal("gap", gap.EventType);
        Assert.Equal($$"""{"lastEventId":"{{seen[0].Position}}"}""", gap.Data);
        foreach (var expected in new[] { "m4", "m5", "m6", "m7", "m8" })
        {
            Assert.Equal(expected, (await resumed.NextAsync()).Data);
        }
    }

    [Fact]
    public async Task Reconnect_WithIdFromAnEarlierProcess_IsToldOfTheGapAndGetsWhatIsKept()
    {
        var seen = Publish("after restart");
        var fromBefore = new MessagePosition(seen[0].Position!.Value.Epoch - 60_000, 42);

        await using var resumed = await SseTestClient.ConnectAsync(_gateway, lastEventId: fromBefore.ToString());

        Assert.Equal("gap", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal("gap", (await resumed.NextAsync()).EventType);
        Assert.Equal("after restart", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Reconnect_WithIdOlderThanHistory_TheGapEventCarriesNoId()
    {
        var seen = Publish("m1", "m2", "m3", "m4", "m5", "m6", "m7");
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse?topic=chat");
        request.Headers.Add("Last-Event-ID", seen[0].EventId);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestTimeout.Token()));

        // Read as bytes on the wire: an id line would move the client's last id (even to the one it sent).
        Assert.Equal(["retry: 3000"], await SseFrames.ReadAsync(reader));
        Assert.Equal(["event: gap", $$"""data: {"lastEventId":"{{seen[0].EventId}}"}"""], await SseFrames.ReadAsync(reader));
        Assert.Equal(["event: chat", $"id: {seen[2].EventId}", "data: m3"], await SseFrames.ReadAsync(reader));
    }

    [Fact]
    public async Task Reconnect_WithAPublisherSetId_ReplaysWhatFollowsIt()
    {
        using var http = _gateway.CreateHttpClient();
        await PublishAsync(http, "created", "order-17-created");
        var gatewayId = await PublishAsync(http, "paid", id: null);
        await PublishAsync(http, "shipped", "order-17-shipped");

        await using var resumed = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/17", lastEventId: "order-17-created");
        await PublishAsync(http, "delivered", id: null);

        Assert.Equal("complete", Assert.Single(resumed.Response.Headers.GetValues("PushGateway-Resume")));
        var replayed = new[] { await resumed.NextAsync(), await resumed.NextAsync(), await resumed.NextAsync() };
        Assert.Equal(["paid", "shipped", "delivered"], replayed.Select(item => item.Data));
        Assert.Equal([gatewayId, "order-17-shipped"], replayed.Take(2).Select(item => item.EventId));
    }

    /// <summary>Publishes to <c>orders/17</c> through <c>POST /publish</c>, as a backend would; returns the event id.</summary>
    private static async Task<string> PublishAsync(HttpClient http, string data, string? id)
    {
        List<KeyValuePair<string, string>> fields = [new("topic", "orders/17"), new("data", data)];
        if (id is not null)
        {
            fields.Add(new("id", id));
        }

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent(fields), TestTimeout.Token());
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token());
        return body.GetProperty("id").GetString()!;
    }

    private List<GatewayMessage> Publish(params string[] texts) =>
        [.. texts.Select(text => _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, text))];
}
