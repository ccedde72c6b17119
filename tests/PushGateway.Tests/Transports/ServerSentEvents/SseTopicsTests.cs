using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

public sealed class SseTopicsTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Get_WithTopics_ReceivesOnlyThoseTopics()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/1&topic=orders:all");

        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "default topic: not subscribed");
        _gateway.Hub.Publish("orders/2", "update", "other order");
        _gateway.Hub.Publish("orders/1", "update", "mine");
        _gateway.Hub.Publish(new MessageDraft(["orders/1", "orders:all"], "update", "both, once"));
        _gateway.Hub.Publish("orders:all", "update", "all");

        Assert.Equal(["mine", "both, once", "all"], [(await sse.NextAsync()).Data, (await sse.NextAsync()).Data, (await sse.NextAsync()).Data]);
    }

    [Fact]
    public async Task Get_ResumeAcrossSeveralTopics_ReplaysOnlyTheirsInOrder()
    {
        var seen = _gateway.Hub.Publish("a", "update", "seen");
        _gateway.Hub.Publish("b", "update", "b1");
        _gateway.Hub.Publish("elsewhere", "update", "not mine");
        _gateway.Hub.Publish("a", "update", "a1");

        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=a&topic=b", lastEventId: seen.EventId);

        Assert.Equal("complete", Assert.Single(sse.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal(["b1", "a1"], [(await sse.NextAsync()).Data, (await sse.NextAsync()).Data]);
    }

    [Fact]
    public async Task Post_WithJsonTopicsAndLastEventId_StreamsLikeGet()
    {
        var seen = _gateway.Hub.Publish("room", "update", "seen");
        _gateway.Hub.Publish("room", "update", "missed");
        using var http = _gateway.CreateHttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "sse")
        {
            Content = JsonContent.Create(new { topics = new[] { "room" }, lastEventId = seen.EventId }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        _gateway.Hub.Publish("room", "update", "live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var items = SseParser.Create(await response.Content.ReadAsStreamAsync(TestTimeout.Token()))
            .EnumerateAsync(TestTimeout.Token()).GetAsyncEnumerator(TestTimeout.Token());
        var received = new List<string>();
        while (received.Count < 2 && await items.MoveNextAsync())
        {
            received.Add(items.Current.Data);
        }

        Assert.Equal(["missed", "live"], received);
    }

    [Fact]
    public async Task Post_HeaderLastEventId_WinsOverTheBody()
    {
        _gateway.Hub.Publish("room", "update", "first");
        var second = _gateway.Hub.Publish("room", "update", "second");
        _gateway.Hub.Publish("room", "update", "third");
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "sse")
        {
            Content = JsonContent.Create(new { topics = new[] { "room" }, lastEventId = "unknown" }),
        };
        request.Headers.Add("Last-Event-ID", second.EventId);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());

        Assert.Equal("complete", Assert.Single(response.Headers.GetValues("PushGateway-Resume")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public async Task Post_NoBodyOrAnEmptyOne_SubscribesToTheDefaultTopics(string? body)
    {
        using var http = _gateway.CreateHttpClient();
        // null: no body and no Content-Type, as fetch() sends a POST given headers only.
        using var request = new HttpRequestMessage(HttpMethod.Post, "sse")
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        _gateway.Hub.Publish("elsewhere", "update", "not a default topic");
        _gateway.Hub.Publish(BuiltInTopics.Ticker, EventTypes.Message, "on ticker");
        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "on chat");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("PushGateway-Resume"));
        await using var items = SseParser.Create(await response.Content.ReadAsStreamAsync(TestTimeout.Token()))
            .EnumerateAsync(TestTimeout.Token()).GetAsyncEnumerator(TestTimeout.Token());
        var received = new List<string>();
        while (received.Count < 2 && await items.MoveNextAsync())
        {
            received.Add(items.Current.Data);
        }

        Assert.Equal(["on ticker", "on chat"], received);
    }

    [Fact]
    public async Task Get_TopicOf256CharactersWithUnderscoreAndDot_Streams()
    {
        var topic = "tenant_7.orders-" + new string('x', 240);
        Assert.Equal(256, topic.Length);
        await using var sse = await SseTestClient.ConnectAsync(_gateway, $"sse?topic={topic}");
        using var http = _gateway.CreateHttpClient();

        using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", topic), new("data", "long name")]), TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("long name", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Get_TopicOf257Characters_Returns400NamingIt()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("sse?topic=" + new string('x', 257), TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }

    [Fact]
    public async Task Post_NotJson_Returns415()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("sse", new StringContent("topic=a", Encoding.UTF8, "application/x-www-form-urlencoded"), TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400NamingTheBody()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("sse", new StringContent("{\"topics\": 5", Encoding.UTF8, "application/json"), TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "body");
    }

    [Fact]
    public async Task Post_OversizedBody_Returns413()
    {
        using var http = _gateway.CreateHttpClient();
        var body = $$"""{"topics":["{{new string('a', 20_000)}}"]}""";

        using var response = await http.PostAsync("sse", new StringContent(body, Encoding.UTF8, "application/json"), TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_InvalidTopic_Returns400NamingIt()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsJsonAsync("sse", new { topics = new[] { "fine", "not fine" } }, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }
}
