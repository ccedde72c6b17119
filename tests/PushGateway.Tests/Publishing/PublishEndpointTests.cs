using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Publishing;

public sealed class PublishEndpointTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Publish:MaxRequestBytes"] = "2048",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Post_Form_PublishesToSubscribersWithEventIdAndRetry()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/1");
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent(
        [
            new("topic", "orders/1"), new("data", "shipped\nto you"), new("event", "order"), new("id", "order-1-shipped"), new("retry", "1500"),
        ]), TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("order-1-shipped", (await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString());
        var item = await sse.NextAsync();
        Assert.Equal(("order", "order-1-shipped", "shipped\nto you"), (item.EventType, item.EventId, item.Data));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), item.ReconnectionInterval);
    }

    [Fact]
    public async Task Post_JsonToSeveralTopics_ReachesEachSubscriberOnceWithTheAssignedId()
    {
        await using var both = await SseTestClient.ConnectAsync(_gateway, "sse?topic=a&topic=b");
        await using var onlyB = await SseTestClient.ConnectAsync(_gateway, "sse?topic=b");
        using var http = _gateway.CreateHttpClient();

        using var first = await http.PostAsJsonAsync("publish", new { topic = new[] { "a", "b" }, data = "{\"n\":1}" }, TestTimeout.Token());
        using var second = await http.PostAsJsonAsync("publish", new { topic = "b", data = "" }, TestTimeout.Token());

        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString();
        Assert.Matches(@"^\d+-\d+$", firstId);
        foreach (var sse in new[] { both, onlyB })
        {
            var item = await sse.NextAsync();
            Assert.Equal(("message", firstId, "{\"n\":1}"), (item.EventType, item.EventId, item.Data));
            Assert.Equal(string.Empty, (await sse.NextAsync()).Data);
        }
    }

    [Theory]
    [InlineData("""{"data":"x"}""", "topic")]
    [InlineData("""{"topic":"bad topic","data":"x"}""", "topic")]
    [InlineData("""{"topic":["ok",5],"data":"x"}""", "topic")]
    [InlineData("""{"topic":"a"}""", "data")]
    [InlineData("""{"topic":"a","data":"x","event":"two\nlines"}""", "event")]
    [InlineData("""{"topic":"a","data":"x","id":"123-4"}""", "id")]
    [InlineData("""{"topic":"a","data":"x","id":"bad\u0000id"}""", "id")]
    [InlineData("""{"topic":"a","data":"x","id":"bad\u007fid"}""", "id")]
    [InlineData("""{"topic":"a","data":"x","id":"bad\u0085id"}""", "id")]
    [InlineData("""{"topic":"a","data":"x","event":"bad\u007f"}""", "event")]
    [InlineData("""{"topic":"a","data":"x","event":"bad\u009f"}""", "event")]
    [InlineData("""{"topic":"a","data":"x","retry":-1}""", "retry")]
    [InlineData("""{"topic":"a","data":"x","retry":"soon"}""", "retry")]
    [InlineData("""{"topic":"a","data":"x","retry":"5000"}""", "retry")]
    [InlineData("""{"topic":"a","data":"x","data":"y"}""", "data")]
    [InlineData("""{"topic":"a",""", "body")]
    public async Task Post_InvalidJson_Returns400NamingTheField(string body, string field)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new StringContent(body, Encoding.UTF8, "application/json"), TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, field);
    }

    [Fact]
    public async Task Post_Multipart_PublishesToEveryTopicWithEventIdAndRetry()
    {
        await using var first = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/1");
        await using var second = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders/2");
        using var http = _gateway.CreateHttpClient();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("orders/1"), "topic" },
            { new StringContent("orders/2"), "topic" },
            { new StringContent("line one\nline two"), "data" },
            { new StringContent("order"), "event" },
            { new StringContent("order-2-shipped"), "id" },
            { new StringContent("2500"), "retry" },
        };

        using var response = await http.PostAsync("publish", form, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("order-2-shipped", (await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString());
        foreach (var sse in new[] { first, second })
        {
            var item = await sse.NextAsync();
            Assert.Equal(("order", "order-2-shipped", "line one\nline two"), (item.EventType, item.EventId, item.Data));
            Assert.Equal(TimeSpan.FromMilliseconds(2500), item.ReconnectionInterval);
        }
    }

    [Fact]
    public async Task Post_AtEveryFieldsLimit_IsPublishedAsGiven()
    {
        // MaxTopicsPerConnection (32 by default) topics, an event type of 128 characters, an id of 256, the longest retry.
        var topics = Enumerable.Range(1, 32).Select(n => $"t{n}").ToArray();
        var eventType = new string('e', 128);
        var id = new string('i', 256);
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=t32");
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsJsonAsync(
            "publish", new { topic = topics, data = "x", @event = eventType, id, retry = 86_400_000 }, TestTimeout.Token());
        using var shortest = await http.PostAsJsonAsync("publish", new { topic = "t32", data = "y", @event = "e" }, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, shortest.StatusCode);
        var item = await sse.NextAsync();
        Assert.Equal((eventType, id, "x"), (item.EventType, item.EventId, item.Data));
        Assert.Equal(TimeSpan.FromMilliseconds(86_400_000), item.ReconnectionInterval);
        var last = await sse.NextAsync();
        Assert.Equal(("e", "y"), (last.EventType, last.Data));
    }

    [Theory]
    [InlineData("topics", 33)]
    [InlineData("event", 0)]
    [InlineData("event", 129)]
    [InlineData("id", 257)]
    [InlineData("retry", 86_400_001)]
    public async Task Post_PastAFieldsLimit_Returns400NamingIt(string what, int size)
    {
        using var http = _gateway.CreateHttpClient();
        var fields = new List<KeyValuePair<string, string>> { new("data", "x") };
        fields.AddRange(what == "topics"
            ? Enumerable.Range(1, size).Select(n => new KeyValuePair<string, string>("topic", $"t{n}"))
            : [new("topic", "a"), new(what, what == "retry" ? size.ToString(System.Globalization.CultureInfo.InvariantCulture) : new string('x', size))]);

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent(fields), TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, what == "topics" ? "topic" : what);
    }

    [Fact]
    public async Task Post_InvalidForm_NamesEveryBadField()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "ok"), new("topic", "not ok"), new("retry", "x")]), TestTimeout.Token());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token());
        Assert.Equal(["data", "retry", "topic"], problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).Order());
    }

    [Fact]
    public async Task Post_FormWithAFieldGivenTwice_Returns400NamingIt()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "a"), new("data", "x"), new("data", "y")]), TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "data");
    }

    [Fact]
    public async Task Post_OverTheSizeLimit_Returns413()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "a"), new("data", new string('x', 3000))]), TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_ChunkedOverTheSizeLimit_Returns413()
    {
        using var http = _gateway.CreateHttpClient();
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"topic":"a","data":"{{new string('x', 3000)}}"}""")));
        content.Headers.ContentType = new("application/json");

        using var response = await http.PostAsync("publish", content, TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_UnsupportedMediaType_Returns415()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.PostAsync("publish", new StringContent("topic=a&data=x", Encoding.UTF8, "text/plain"), TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesThePublishApi()
    {
        using var http = _gateway.CreateHttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync("openapi/v1.json", TestTimeout.Token()));

        var publish = document.RootElement.GetProperty("paths").GetProperty("/publish").GetProperty("post");
        var content = publish.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/json", out _));
        Assert.True(content.TryGetProperty("application/x-www-form-urlencoded", out _));
        Assert.True(publish.GetProperty("responses").TryGetProperty("413", out _));
        var retry = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("PublishRequest").GetProperty("properties").GetProperty("retry");
        Assert.Equal(["null", "integer"], retry.GetProperty("type").EnumerateArray().Select(type => type.GetString()));
    }
}
