using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Publishing;

/// <summary>
/// <c>POST /publish</c> with an idempotency key on one node (the in-process backplane): a retry gets the first answer
/// and delivers nothing again, within the window, per publisher.
/// </summary>
public sealed class IdempotentPublishTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        ["PushGateway:Publish:IdempotencyWindow"] = "00:02:00",
        ["PushGateway:Publish:MaxIdempotencyKeys"] = "3",
    });

    public void Dispose() => _gateway.Dispose();

    public static TheoryData<string, string> KeyForms => new()
    {
        { "header+json", "header+json" },
        { "json", "json" },
        { "form", "form" },
        { "header+form", "json" },
        { "json", "header+form" },
    };

    [Theory]
    [MemberData(nameof(KeyForms))]
    public async Task Retry_WithTheSameKey_AnswersTheFirstIdReplayed_AndDeliversOnce(string first, string retry)
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders");
        using var http = _gateway.CreateHttpClient();

        using var published = await PublishAsync(http, first, "order-17", "shipped");
        using var retried = await PublishAsync(http, retry, "order-17", "shipped");
        using var retriedAgain = await PublishAsync(http, first, "order-17", "shipped");
        using var marker = await PublishAsync(http, "json", key: null, "marker");

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.False(published.Headers.Contains("Idempotent-Replayed"));
        var id = await IdOfAsync(published);
        foreach (var replay in new[] { retried, retriedAgain })
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
            Assert.Equal(id, await IdOfAsync(replay));
        }

        // Exactly once: after the message, the next thing the subscriber gets is the marker.
        var delivered = await sse.NextAsync();
        Assert.Equal(("shipped", id), (delivered.Data, delivered.EventId));
        var next = await sse.NextAsync();
        Assert.Equal(("marker", await IdOfAsync(marker)), (next.Data, next.EventId));
    }

    [Fact]
    public async Task Retry_AfterAnAnswerWithItsOwnId_AnswersThatId()
    {
        using var http = _gateway.CreateHttpClient();
        var body = new { topic = "orders", data = "shipped", id = "order-17-shipped", idempotencyKey = "k" };

        using var published = await http.PostAsJsonAsync("publish", body, TestTimeout.Token());
        using var retried = await http.PostAsJsonAsync("publish", body, TestTimeout.Token());

        Assert.Equal("order-17-shipped", await IdOfAsync(published));
        Assert.Equal("order-17-shipped", await IdOfAsync(retried));
        Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
    }

    [Theory]
    [InlineData("""{"topic":["orders","news"],"data":"shipped"}""")]
    [InlineData("""{"topic":"orders","data":"shipped","event":"order"}""")]
    [InlineData("""{"topic":"orders","data":"shipped twice"}""")]
    [InlineData("""{"topic":"orders","data":"shipped","id":"order-17"}""")]
    [InlineData("""{"topic":"orders","data":"shipped","retry":1000}""")]
    public async Task Retry_WithTheSameKeyAndAnotherRequest_Answers422_AndPublishesNothing(string body)
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders&topic=news");
        using var http = _gateway.CreateHttpClient();

        using var published = await PublishAsync(http, "json", "order-17", "shipped");
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", "order-17");
        using var reused = await http.SendAsync(request, TestTimeout.Token());
        using var marker = await PublishAsync(http, "json", key: null, "marker");

        await ProblemAssert.IsProblemAsync(
            reused, HttpStatusCode.UnprocessableEntity, "Idempotency-Key reused with a different request", "https://pushgateway.dev/problems/idempotency-key-reused");
        Assert.Equal("shipped", (await sse.NextAsync()).Data);
        Assert.Equal("marker", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Retry_WithinTheWindow_IsReplayed_AndPastIt_PublishesAgain()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=orders");
        using var http = _gateway.CreateHttpClient();

        using var published = await PublishAsync(http, "json", "order-17", "shipped");
        _gateway.Time.Advance(Window - TimeSpan.FromSeconds(1));
        using var retried = await PublishAsync(http, "json", "order-17", "shipped");
        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        using var afterTheWindow = await PublishAsync(http, "json", "order-17", "shipped");

        var (first, again) = (await IdOfAsync(published), await IdOfAsync(afterTheWindow));
        Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(first, await IdOfAsync(retried));
        Assert.False(afterTheWindow.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(first, again);
        Assert.Equal(first, (await sse.NextAsync()).EventId);
        Assert.Equal(again, (await sse.NextAsync()).EventId);
    }

    [Fact]
    public async Task Keys_PastTheMaximumHeld_ForgetTheOldestFirst()
    {
        using var http = _gateway.CreateHttpClient();
        var ids = new List<string>();
        foreach (var key in new[] { "k1", "k2", "k3", "k4" })
        {
            using var published = await PublishAsync(http, "json", key, "shipped");
            ids.Add((await IdOfAsync(published))!);
        }

        // MaxIdempotencyKeys is 3: k1 made room for k4, the newer three are held.
        using var oldest = await PublishAsync(http, "json", "k1", "shipped");
        using var newest = await PublishAsync(http, "json", "k4", "shipped");

        Assert.False(oldest.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(ids[0], await IdOfAsync(oldest));
        Assert.True(newest.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(ids[3], await IdOfAsync(newest));
    }

    [Theory]
    [InlineData("", null, "Idempotency-Key")]
    [InlineData("a\tb", null, "Idempotency-Key")]
    [InlineData(null, "", "idempotencyKey")]
    [InlineData(null, "bad\u0000key", "idempotencyKey")]
    [InlineData(null, "bad\u0085key", "idempotencyKey")]
    [InlineData("one", "another", "idempotencyKey")]
    public async Task Post_BadKey_Returns400NamingTheField(string? header, string? field, string named)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish")
        {
            Content = JsonContent.Create(new Dictionary<string, string?> { ["topic"] = "orders", ["data"] = "x", ["idempotencyKey"] = field }),
        };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", header);
        }

        using var response = await http.SendAsync(request, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, named);
    }

    [Fact]
    public async Task Post_KeyOverTheMaximumLength_Returns400_AndOneAtIt_IsTaken()
    {
        using var http = _gateway.CreateHttpClient();

        using var tooLong = await PublishAsync(http, "header+json", new string('k', 257), "x");
        using var longest = await PublishAsync(http, "form", new string('k', 256), "x");

        await ProblemAssert.IsInvalidAsync(tooLong, "Idempotency-Key");
        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
    }

    [Fact]
    public async Task Post_KeyGivenTwice_Returns400NamingIt()
    {
        using var http = _gateway.CreateHttpClient();
        const string Body = """{"topic":"orders","data":"x"}""";

        // Two header lines (HttpClient would join the values into one line).
        var headers = await RawHttp.ExchangeAsync(_gateway.HttpAddress, Encoding.ASCII.GetBytes(
            $"POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\n"
            + $"Idempotency-Key: one\r\nIdempotency-Key: one\r\nConnection: close\r\n\r\n{Body}"));
        using var form = await http.PostAsync(
            "publish", new FormUrlEncodedContent([new("topic", "orders"), new("data", "x"), new("idempotencyKey", "one"), new("idempotencyKey", "one")]), TestTimeout.Token());
        using var json = await http.PostAsync(
            "publish", new StringContent("""{"topic":"orders","data":"x","idempotencyKey":"one","idempotencyKey":"one"}""", Encoding.UTF8, "application/json"), TestTimeout.Token());
        using var number = await http.PostAsync(
            "publish", new StringContent("""{"topic":"orders","data":"x","idempotencyKey":17}""", Encoding.UTF8, "application/json"), TestTimeout.Token());

        Assert.Equal(400, headers.Status);
        Assert.Contains("\"Idempotency-Key\"", headers.Body, StringComparison.Ordinal);
        await ProblemAssert.IsInvalidAsync(form, "idempotencyKey");
        await ProblemAssert.IsInvalidAsync(json, "idempotencyKey");
        await ProblemAssert.IsInvalidAsync(number, "idempotencyKey");
    }

    [Fact]
    public async Task SameKey_FromTwoTokenSubjects_PublishesBoth_AndEachRetryReplaysItsOwn()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>(Tokens.Settings()) { ["PushGateway:Ticker:Enabled"] = "false" });
        await using var sse = await SseTestClient.ConnectAsync(gateway, "sse?topic=orders");
        using var http = gateway.CreateHttpClient();
        var alice = Tokens.Mint(gateway.Time.GetUtcNow(), descriptor => descriptor.Subject = new([new("sub", "alice")]), publish: ["orders"]);
        var bob = Tokens.Mint(gateway.Time.GetUtcNow(), descriptor => descriptor.Subject = new([new("sub", "bob")]), publish: ["orders"]);

        using var fromAlice = await PublishAsync(http, "json", "k", "from alice", alice);
        using var fromBob = await PublishAsync(http, "json", "k", "from bob", bob);
        using var aliceRetries = await PublishAsync(http, "json", "k", "from alice", alice);
        using var bobRetries = await PublishAsync(http, "json", "k", "from bob", bob);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (fromAlice.StatusCode, fromBob.StatusCode));
        Assert.False(fromBob.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await IdOfAsync(fromAlice), await IdOfAsync(aliceRetries));
        Assert.Equal(await IdOfAsync(fromBob), await IdOfAsync(bobRetries));
        Assert.Equal(["from alice", "from bob"], [(await sse.NextAsync()).Data, (await sse.NextAsync()).Data]);
    }

    /// <summary>Publishes <paramref name="data"/> on <c>orders</c>, with the key as <paramref name="form"/> says (none when null).</summary>
    internal static async Task<HttpResponseMessage> PublishAsync(HttpClient http, string form, string? key, string data, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish");
        var inHeader = form.StartsWith("header+", StringComparison.Ordinal);
        var field = inHeader ? null : key;
        request.Content = form.EndsWith("form", StringComparison.Ordinal)
            ? new FormUrlEncodedContent(
                field is null ? [new("topic", "orders"), new("data", data)] : [new("topic", "orders"), new("data", data), new("idempotencyKey", field)])
            : JsonContent.Create(new Dictionary<string, string?> { ["topic"] = "orders", ["data"] = data, ["idempotencyKey"] = field });
        if (inHeader && key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        return await http.SendAsync(request, TestTimeout.Token());
    }

    internal static async Task<string?> IdOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("id").GetString();
}
