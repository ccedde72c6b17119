using System.Net;
using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

public sealed class SseEndpointTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Sse:RetryMilliseconds"] = "2500",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Get_Sse_SendsStreamingHeaders()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);

        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(sse.Response.Headers.CacheControl?.NoCache);
        Assert.True(sse.Response.Headers.CacheControl?.NoTransform);
        Assert.Equal("no", Assert.Single(sse.Response.Headers.GetValues("X-Accel-Buffering")));
        Assert.False(sse.Response.Headers.Contains("PushGateway-Resume"));
    }

    [Fact]
    public async Task Get_Sse_FlushesRetryBeforeAnyEvent()
    {
        using var http = _gateway.CreateHttpClient();
        using var response = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        await using var body = await response.Content.ReadAsStreamAsync(TestTimeout.Token());

        // Nothing is published: these bytes can only be the preamble, sent at once.
        var buffer = new byte[64];
        var read = await body.ReadAsync(buffer, TestTimeout.Token());

        Assert.Equal("retry: 2500\n\n", System.Text.Encoding.UTF8.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task Tick_ArrivesAsDefaultMessageEventWithIdAndJsonData()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);
        await _gateway.TickerStartedAsync();

        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var tick = await sse.NextAsync();

        Assert.Equal("message", tick.EventType);
        Assert.Matches(@"^\d+-\d+$", tick.EventId);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), sse.Parser.ReconnectionInterval);
        using var data = JsonDocument.Parse(tick.Data);
        Assert.Equal("Wednesday, 25 November 2026 12:00:01 UTC", data.RootElement.GetProperty("message").GetString());
        Assert.Equal("2026-11-25T12:00:01.000Z", data.RootElement.GetProperty("time").GetString());
    }

    [Fact]
    public async Task Chat_FromWebSocket_ArrivesAsChatEventWithLinesPreserved()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);
        using var ws = await WebSocketTestClient.ConnectAsync(_gateway);

        await ws.SendTextAsync("first line\nsecond line\r\nthird: <b>not html</b>");
        var chat = await sse.NextAsync();

        Assert.Equal("chat", chat.EventType);
        Assert.Equal("first line\nsecond line\nthird: <b>not html</b>", chat.Data);
        Assert.Matches(@"^\d+-\d+$", chat.EventId);
    }

    [Fact]
    public async Task ABurstOfSmallAndLargeMessages_ArrivesWhole_InOrder()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse?topic=chat");
        // Frames smaller and larger than Kestrel's 4 KiB buffers, queued faster than the stream is written,
        // so that batches pack many frames per buffer and split the large ones.
        int[] sizes = [10, 20, 300, 5000, 30, 40, 9000, 1, 2, 3, 4000];
        var sent = Enumerable.Range(0, 220).Select(i => $"{i}:" + new string((char)('a' + (i % 26)), sizes[i % sizes.Length])).ToList();

        foreach (var data in sent)
        {
            _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, data);
        }

        foreach (var data in sent)
        {
            Assert.Equal(data, (await sse.NextAsync()).Data);
        }
    }

    [Fact]
    public async Task Events_HaveIncreasingIdsAcrossTopics()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);
        await _gateway.TickerStartedAsync();

        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "a");
        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "b");

        var ids = new List<MessagePosition>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(MessagePosition.TryParse((await sse.NextAsync()).EventId, out var id));
            ids.Add(id.Value);
        }

        Assert.Single(ids.Select(id => id.Epoch).Distinct());
        Assert.Equal([ids[0].Sequence, ids[0].Sequence + 1, ids[0].Sequence + 2], ids.Select(id => id.Sequence));
    }

    [Fact]
    public async Task Get_TrailingSlash_StreamsToo()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway, "sse/");

        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "via /sse/");

        Assert.Equal("via /sse/", (await sse.NextAsync()).Data);
    }

    [Fact]
    public async Task Get_CrossOrigin_AllowsAnyOriginAndExposesResumeHeader()
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse");
        request.Headers.Add("Origin", "https://elsewhere.example");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());

        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("PushGateway-Resume", Assert.Single(response.Headers.GetValues("Access-Control-Expose-Headers")));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_WithLastEventIdHeader_IsAllowed()
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "sse");
        request.Headers.Add("Origin", "https://elsewhere.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "last-event-id");

        using var response = await http.SendAsync(request, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("last-event-id", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflight_ForPost_AllowsAuthorizationAndContentType()
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "sse");
        request.Headers.Add("Origin", "https://elsewhere.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        using var response = await http.SendAsync(request, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")).Split(','), StringComparer.Ordinal);
        var allowed = Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")).Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("authorization", allowed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("content-type", allowed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_LastEventIdHeaderAndQuery_TheHeaderWins()
    {
        var first = _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "first");
        var second = _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "second");
        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "third");

        // EventSource sends the header on a reconnect: fresher than the id the page put in its URL.
        await using var sse = await SseTestClient.ConnectAsync(_gateway, $"sse?topic=chat&lastEventId={first.EventId}", lastEventId: second.EventId);

        Assert.Equal("complete", Assert.Single(sse.Response.Headers.GetValues("PushGateway-Resume")));
        Assert.Equal("third", (await sse.NextAsync()).Data);
    }

    [Theory]
    [InlineData("sse?lastEventId=a%0Ab")]
    [InlineData("sse?lastEventId=%00")]
    [InlineData("sse?lastEventId=a%7Fb")]
    [InlineData("sse?lastEventId=a%C2%85b")]
    [InlineData("sse?lastEventId=a%C2%9Fb")]
    [InlineData("sse?lastEventId=1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111")]
    public async Task Get_MalformedLastEventId_Returns400NamingIt(string path)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "lastEventId");
    }

    [Fact]
    public async Task Get_LastEventIdHeaderWithDelete_Returns400NamingIt()
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "a\u007fb");

        using var response = await http.SendAsync(request, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "Last-Event-ID");
    }

    [Theory]
    [InlineData("sse?topic=has%20space")]
    [InlineData("sse?topic=")]
    [InlineData("sse?topic=ok&topic=%3Cscript%3E")]
    public async Task Get_InvalidTopic_Returns400NamingIt(string path)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }

    [Fact]
    public async Task Get_MoreTopicsThanAllowed_Returns400()
    {
        using var http = _gateway.CreateHttpClient();
        var path = "sse?" + string.Join('&', Enumerable.Range(0, 33).Select(i => $"topic=t{i}"));

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsInvalidAsync(response, "topic");
    }
}

public sealed class SseHeartbeatTests : IDisposable
{
    // No ticker: advancing the clock must not publish anything that would stand in for the heartbeat.
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        ["PushGateway:Sse:RetryMilliseconds"] = "2500",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Silence_ForAHeartbeatInterval_SendsAHeartbeatComment()
    {
        using var http = _gateway.CreateHttpClient();
        using var response = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestTimeout.Token()));
        Assert.Equal("retry: 2500", await reader.ReadLineAsync(TestTimeout.Token()));
        Assert.Equal(string.Empty, await reader.ReadLineAsync(TestTimeout.Token()));

        // Once the stream has armed its heartbeat timer, one interval of silence is due.
        await _gateway.Time.TimerArmedAsync(TimeSpan.FromSeconds(15));
        _gateway.Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(": heartbeat", await reader.ReadLineAsync(TestTimeout.Token()));
    }

    [Fact]
    public async Task Traffic_EveryThirdOfAnInterval_SendsNoHeartbeat_UntilItStops()
    {
        using var http = _gateway.CreateHttpClient();
        using var response = await http.GetAsync("sse?topic=chat", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestTimeout.Token()));
        Assert.Equal(["retry: 2500"], await SseFrames.ReadAsync(reader));
        await _gateway.Time.TimerArmedAsync(TimeSpan.FromSeconds(15));

        // Two heartbeat intervals of traffic: a message every 5 s, so the stream is never silent for 15 s. (The
        // gateway notes a write once its flush is done: steps of a third of the interval leave room for that.)
        for (var i = 0; i < 6; i++)
        {
            _gateway.Time.Advance(TimeSpan.FromSeconds(5));
            _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, $"m{i}");

            var frame = await SseFrames.ReadAsync(reader);
            Assert.Equal(("event: chat", $"data: m{i}"), (frame[0], frame[^1]));
        }

        _gateway.Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal([": heartbeat"], await SseFrames.ReadAsync(reader));
    }
}
