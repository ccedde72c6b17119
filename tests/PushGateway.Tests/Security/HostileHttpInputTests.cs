using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary>
/// The HTTP part of the standing abuse suite: a table of hostile requests to <c>POST /publish</c>,
/// <c>POST /sse</c>, <c>GET /sse</c> and <c>GET /ws</c>, sent over bare sockets to the real gateway.
/// Each gets the expected 4xx with a problem body (or, for what Kestrel rejects before the
/// application runs, its empty answer, as the README says), nothing is logged at Error, and the
/// gateway still serves a subscriber afterwards.
/// </summary>
public sealed class HostileHttpInputTests(HostileHttpGateway fixture) : IClassFixture<HostileHttpGateway>
{
    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";
    private const string WebSocketHeaders = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    private const string WebSocketKey = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

    private static readonly string Over256 = new('x', 257);
    private static readonly string ThirtyThreeTopics = string.Join("&", Enumerable.Range(0, 33).Select(n => $"topic=t{n}"));

    /// <summary>Requests the gateway answers itself: status, and the field its problem names (if any).</summary>
    private static readonly Dictionary<string, (byte[] Request, int Status, string? Field)> AnsweredByTheGateway = new()
    {
        // POST /publish: bodies that cannot be read.
        ["publish: JSON in charset=bogus"] = (Post("/publish", $"{Json}; charset=bogus", """{"topic":"a","data":"x"}"""), 415, null),
        ["publish: JSON in charset=\"\""] = (Post("/publish", $"{Json}; charset=\"\"", """{"topic":"a","data":"x"}"""), 415, null),
        ["publish: JSON in charset=utf-7"] = (Post("/publish", $"{Json}; charset=utf-7", """{"topic":"a","data":"x"}"""), 415, null),
        ["publish: form in charset=bogus"] = (Post("/publish", $"{Form}; charset=bogus", "topic=a&data=x"), 415, null),
        ["publish: multipart cut short"] = (Post("/publish", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"topic\"\r\n\r\na\r\n--XX\r\nContent-Disposition: form-da"), 400, "body"),
        ["publish: multipart without boundary"] = (Post("/publish", "multipart/form-data", "--XX\r\n\r\n--XX--\r\n"), 400, "body"),
        ["publish: multipart boundary of 200 characters"] = (Post("/publish", $"multipart/form-data; boundary={new string('b', 200)}", "--b\r\n"), 400, "body"),
        ["publish: multipart section with 20 headers"] = (Post("/publish", "multipart/form-data; boundary=XX", $"--XX\r\n{string.Concat(Enumerable.Range(0, 20).Select(n => $"X-{n}: a\r\n"))}\r\na\r\n--XX--\r\n"), 400, "body"),
        ["publish: form of 1,100 fields"] = (Post("/publish", Form, string.Concat(Enumerable.Repeat("a=&", 1100))), 400, "body"),
        ["publish: form key of 3,000 characters"] = (Post("/publish", Form, new string('k', 3000) + "=v"), 400, "body"),
        ["publish: JSON that is not UTF-8"] = (Post("/publish", Json, [.. "{\"topic\":\"a\",\"data\":\""u8, 0xff, 0xfe, .. "\"}"u8]), 400, "data"),
        ["publish: JSON nested 70 deep"] = (Post("/publish", Json, $"{{\"topic\":{new string('[', 70)}{new string(']', 70)},\"data\":\"x\"}}"), 400, "body"),
        ["publish: JSON cut short"] = (Post("/publish", Json, """{"topic":"a","""), 400, "body"),
        ["publish: JSON null"] = (Post("/publish", Json, "null"), 400, "body"),
        ["publish: JSON array"] = (Post("/publish", Json, "[]"), 400, "body"),
        ["publish: empty JSON body"] = (Post("/publish", Json, ""), 400, "body"),
        ["publish: body over the limit"] = (Post("/publish", Form, "topic=a&data=" + new string('x', HostileHttpGateway.MaxPublishBytes)), 413, null),
        ["publish: chunked body over the limit"] = (Chunked("/publish", Form, $"2400\r\n{new string('x', 0x2400)}\r\n0\r\n\r\n"), 413, null),
        ["publish: chunked framing broken"] = (Chunked("/publish", Json, "zz\r\nabc\r\n0\r\n\r\n"), 400, null),

        // POST /publish: media types.
        ["publish: no Content-Type"] = (Post("/publish", null, "topic=a&data=x"), 415, null),
        ["publish: text/plain"] = (Post("/publish", "text/plain", "topic=a&data=x"), 415, null),
        ["publish: Content-Type ;;;"] = (Post("/publish", ";;;", "topic=a&data=x"), 415, null),

        // POST /publish: fields of the wrong type, given twice, or out of bounds.
        ["publish: retry as a JSON string"] = (Post("/publish", Json, """{"topic":"a","data":"x","retry":"5000"}"""), 400, "retry"),
        ["publish: retry 1.5"] = (Post("/publish", Json, """{"topic":"a","data":"x","retry":1.5}"""), 400, "retry"),
        ["publish: retry over a day"] = (Post("/publish", Json, """{"topic":"a","data":"x","retry":86400001}"""), 400, "retry"),
        ["publish: retry -1 in a form"] = (Post("/publish", Form, "topic=a&data=x&retry=-1"), 400, "retry"),
        ["publish: data as a JSON number"] = (Post("/publish", Json, """{"topic":"a","data":5}"""), 400, "data"),
        ["publish: topic as a JSON object"] = (Post("/publish", Json, """{"topic":{"a":1},"data":"x"}"""), 400, "topic"),
        ["publish: JSON topic given twice"] = (Post("/publish", Json, """{"topic":"a","topic":"b","data":"x"}"""), 400, "topic"),
        ["publish: JSON data given twice in two cases"] = (Post("/publish", Json, """{"topic":"a","data":"x","Data":"y"}"""), 400, "data"),
        ["publish: form id given twice"] = (Post("/publish", Form, "topic=a&data=x&id=one&id=two"), 400, "id"),
        ["publish: form data given twice"] = (Post("/publish", Form, "topic=a&data=x&data=y"), 400, "data"),
        ["publish: no topic"] = (Post("/publish", Form, "data=x"), 400, "topic"),
        ["publish: topic with a space"] = (Post("/publish", Form, "topic=a+b&data=x"), 400, "topic"),
        ["publish: topic with U+0001"] = (Post("/publish", Form, "topic=a%01&data=x"), 400, "topic"),
        ["publish: 33 topics"] = (Post("/publish", Form, ThirtyThreeTopics + "&data=x"), 400, "topic"),
        ["publish: id with NUL"] = (Post("/publish", Json, """{"topic":"a","data":"x","id":"a\u0000b"}"""), 400, "id"),
        ["publish: id with LF"] = (Post("/publish", Form, "topic=a&data=x&id=a%0Ab"), 400, "id"),
        ["publish: id with DEL"] = (Post("/publish", Json, """{"topic":"a","data":"x","id":"a\u007fb"}"""), 400, "id"),
        ["publish: id with NEL (U+0085)"] = (Post("/publish", Form, "topic=a&data=x&id=a%C2%85b"), 400, "id"),
        ["publish: id of 257 characters"] = (Post("/publish", Form, $"topic=a&data=x&id={Over256}"), 400, "id"),
        ["publish: id of the gateway's form"] = (Post("/publish", Form, "topic=a&data=x&id=1-2"), 400, "id"),
        ["publish: empty event"] = (Post("/publish", Form, "topic=a&data=x&event="), 400, "event"),
        ["publish: event with CR"] = (Post("/publish", Json, """{"topic":"a","data":"x","event":"a\rb"}"""), 400, "event"),
        ["publish: event with U+009F"] = (Post("/publish", Json, """{"topic":"a","data":"x","event":"a\u009fb"}"""), 400, "event"),
        ["publish: event of 129 characters"] = (Post("/publish", Form, $"topic=a&data=x&event={new string('e', 129)}"), 400, "event"),
        ["publish: empty idempotencyKey"] = (Post("/publish", Form, "topic=a&data=x&idempotencyKey="), 400, "idempotencyKey"),
        ["publish: idempotencyKey with NUL"] = (Post("/publish", Json, """{"topic":"a","data":"x","idempotencyKey":"a\u0000b"}"""), 400, "idempotencyKey"),
        ["publish: idempotencyKey with LF"] = (Post("/publish", Form, "topic=a&data=x&idempotencyKey=a%0Ab"), 400, "idempotencyKey"),
        ["publish: idempotencyKey with NEL (U+0085)"] = (Post("/publish", Form, "topic=a&data=x&idempotencyKey=a%C2%85b"), 400, "idempotencyKey"),
        ["publish: idempotencyKey of 257 characters"] = (Post("/publish", Form, $"topic=a&data=x&idempotencyKey={Over256}"), 400, "idempotencyKey"),
        ["publish: idempotencyKey as a JSON number"] = (Post("/publish", Json, """{"topic":"a","data":"x","idempotencyKey":5}"""), 400, "idempotencyKey"),
        ["publish: form idempotencyKey given twice"] = (Post("/publish", Form, "topic=a&data=x&idempotencyKey=k&idempotencyKey=k"), 400, "idempotencyKey"),
        ["publish: Idempotency-Key with DEL"] = (Post("/publish", Form, "topic=a&data=x", "Idempotency-Key: a\u007fb\r\n"), 400, "Idempotency-Key"),
        ["publish: Idempotency-Key with NEL (U+0085, UTF-8)"] = (Post("/publish", Form, "topic=a&data=x", "Idempotency-Key: a\u0085b\r\n"), 400, "Idempotency-Key"),
        ["publish: Idempotency-Key of 257 characters"] = (Post("/publish", Form, "topic=a&data=x", $"Idempotency-Key: {Over256}\r\n"), 400, "Idempotency-Key"),
        ["publish: Idempotency-Key given twice"] = (Post("/publish", Form, "topic=a&data=x", "Idempotency-Key: k\r\nIdempotency-Key: k\r\n"), 400, "Idempotency-Key"),
        ["publish: Idempotency-Key and idempotencyKey apart"] = (Post("/publish", Form, "topic=a&data=x&idempotencyKey=j", "Idempotency-Key: k\r\n"), 400, "idempotencyKey"),

        // POST /sse.
        ["POST sse: JSON in charset=bogus"] = (Post("/sse", $"{Json}; charset=bogus", "{}"), 415, null),
        ["POST sse: JSON in charset=\"\""] = (Post("/sse", $"{Json}; charset=\"\"", "{}"), 415, null),
        ["POST sse: no Content-Type"] = (Post("/sse", null, "{}"), 415, null),
        ["POST sse: a form"] = (Post("/sse", Form, "topics=a"), 415, null),
        ["POST sse: JSON cut short"] = (Post("/sse", Json, """{"topics":["""), 400, "body"),
        ["POST sse: JSON that is not UTF-8"] = (Post("/sse", Json, [.. "{\"lastEventId\":\""u8, 0xc3, 0x28, .. "\"}"u8]), 400, "lastEventId"),
        ["POST sse: topics as a string"] = (Post("/sse", Json, """{"topics":"a"}"""), 400, "topics"),
        ["POST sse: topics given twice"] = (Post("/sse", Json, """{"topics":["a"],"topics":["b"]}"""), 400, "topics"),
        ["POST sse: lastEventId as a number"] = (Post("/sse", Json, """{"lastEventId":5}"""), 400, "lastEventId"),
        ["POST sse: lastEventId with DEL"] = (Post("/sse", Json, """{"lastEventId":"a\u007fb"}"""), 400, "lastEventId"),
        ["POST sse: bad topic"] = (Post("/sse", Json, """{"topics":["a b"]}"""), 400, "topic"),
        ["POST sse: topic with U+0085"] = (Post("/sse", Json, """{"topics":["a\u0085"]}"""), 400, "topic"),
        ["POST sse: body over 16 KiB"] = (Post("/sse", Json, $"{{\"lastEventId\":\"{new string('x', 17_000)}\"}}"), 413, null),
        ["POST sse: chunked framing broken"] = (Chunked("/sse", Json, "zz\r\n{}\r\n0\r\n\r\n"), 400, null),

        // GET /sse.
        ["GET sse: topic with a space"] = (Get("/sse?topic=a%20b"), 400, "topic"),
        ["GET sse: empty topic"] = (Get("/sse?topic="), 400, "topic"),
        ["GET sse: topic with DEL"] = (Get("/sse?topic=a%7F"), 400, "topic"),
        ["GET sse: 33 topics"] = (Get($"/sse?{ThirtyThreeTopics}"), 400, "topic"),
        ["GET sse: lastEventId with NUL"] = (Get("/sse?lastEventId=a%00b"), 400, "lastEventId"),
        ["GET sse: lastEventId with DEL"] = (Get("/sse?lastEventId=a%7Fb"), 400, "lastEventId"),
        ["GET sse: lastEventId with NEL (U+0085)"] = (Get("/sse?lastEventId=a%C2%85b"), 400, "lastEventId"),
        ["GET sse: lastEventId of 257 characters"] = (Get($"/sse?lastEventId={Over256}"), 400, "lastEventId"),
        ["GET sse: lastEventId given twice"] = (Get("/sse?lastEventId=a&lastEventId=b"), 400, "lastEventId"),
        ["GET sse: Last-Event-ID with DEL"] = (Get("/sse", "Last-Event-ID: a\u007fb\r\n"), 400, "Last-Event-ID"),
        ["GET sse: Last-Event-ID with NEL (U+0085, UTF-8)"] = (Get("/sse", "Last-Event-ID: a\u0085b\r\n"), 400, "Last-Event-ID"),
        ["GET sse: Last-Event-ID of 257 characters"] = (Get("/sse", $"Last-Event-ID: {Over256}\r\n"), 400, "Last-Event-ID"),
        ["GET sse: Last-Event-ID given twice"] = (Get("/sse", "Last-Event-ID: a\r\nLast-Event-ID: b\r\n"), 400, "Last-Event-ID"),

        // GET /ws.
        ["GET ws: no upgrade"] = (Get("/ws"), 400, null),
        ["GET ws: WebSocket version 12"] = (Get("/ws", WebSocketHeaders.Replace("13", "12", StringComparison.Ordinal) + WebSocketKey), 400, null),
        ["GET ws: no Sec-WebSocket-Key"] = (Get("/ws", WebSocketHeaders), 400, null),
        ["GET ws: Sec-WebSocket-Key too short"] = (Get("/ws", WebSocketHeaders + "Sec-WebSocket-Key: c2hvcnQ=\r\n"), 400, null),
        ["GET ws: topic with a space"] = (Get("/ws?topic=a%20b", WebSocketHeaders + WebSocketKey), 400, "topic"),
        ["GET ws: two topics"] = (Get("/ws?topic=a&topic=b", WebSocketHeaders + WebSocketKey), 400, "topic"),
        ["GET ws: topic with U+0001"] = (Get("/ws?topic=a%01", WebSocketHeaders + WebSocketKey), 400, "topic"),
        ["POST ws"] = (Post("/ws", Json, "{}"), 400, null),

        // Elsewhere.
        ["DELETE publish"] = (Head("DELETE", "/publish", ""), 405, null),
        ["unknown path"] = (Get("/nothing-here"), 404, null),
    };

    /// <summary>Requests Kestrel rejects before the application runs, with an empty body (see the README).</summary>
    private static readonly Dictionary<string, (byte[] Request, int Status)> AnsweredByTheServerCore = new()
    {
        ["request line of garbage"] = ("GARBAGE\r\n\r\n"u8.ToArray(), 400),
        ["HTTP/0.9 request line"] = ("GET /sse\r\n\r\n"u8.ToArray(), 400),
        ["header line without a colon"] = (Get("/sse", "NoColonHere\r\n"), 400),
        ["no Host header"] = ("GET /sse HTTP/1.1\r\n\r\n"u8.ToArray(), 400),
        ["two Host headers"] = (Get("/sse", "Host: elsewhere\r\n"), 400),
        ["absolute URI naming another host"] = (Head("GET", "http://elsewhere/sse", ""), 400),
        ["NUL in a header value"] = (Get("/sse", "Last-Event-ID: a\0b\r\n"), 400),
        ["Last-Event-ID that is not UTF-8"] = ([.. Get("/sse")[..^2], .. "Last-Event-ID: a"u8, 0x85, .. "b\r\n\r\n"u8], 400),
        ["NUL in the path"] = (Get("/ss%00e"), 400),
        ["Content-Length: abc"] = (Head("POST", "/publish", "Content-Length: abc\r\n"), 400),
        ["two Content-Lengths"] = (Head("POST", "/publish", "Content-Length: 3\r\nContent-Length: 4\r\n"), 400),
        ["Transfer-Encoding: gzip"] = (Head("POST", "/publish", "Transfer-Encoding: gzip\r\n"), 400),
        ["CONNECT"] = (Head("CONNECT", "127.0.0.1:443", ""), 400),
        ["TLS handshake on the HTTP port"] = ([0x16, 0x03, 0x01, 0x00, 0x2a, 0x01, 0x00, 0x00, 0x26, 0x03, 0x03, .. new byte[40]], 400),
        ["header of 40 KB"] = (Get("/sse", $"X-Big: {new string('a', 40_000)}\r\n"), 431),
        ["120 headers"] = (Get("/sse", string.Concat(Enumerable.Range(0, 120).Select(n => $"X-{n}: a\r\n"))), 431),
        ["request line of 9 KB"] = (Get($"/sse?topic={new string('a', 9000)}"), 414),
        ["HTTP/1.2"] = ("GET /sse HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray(), 505),
    };

    /// <summary>
    /// Clients that leave while the gateway reads their body (before any of it, or part-way): nobody
    /// to answer, nothing to log as an error.
    /// </summary>
    private static readonly Dictionary<string, (string Path, string ContentType, string PartialBody, bool Reset)> LeavingMidBody = new()
    {
        ["publish: JSON, reset before the body"] = ("/publish", Json, "", true),
        ["publish: form, reset before the body"] = ("/publish", Form, "", true),
        ["publish: multipart, reset before the body"] = ("/publish", "multipart/form-data; boundary=XX", "", true),
        ["POST sse: JSON, reset before the body"] = ("/sse", Json, "", true),
        ["publish: JSON, reset"] = ("/publish", Json, """{"topic":"a","da""", true),
        ["publish: JSON, sending side closed"] = ("/publish", Json, """{"topic":"a","da""", false),
        ["publish: form, reset"] = ("/publish", Form, "topic=a&da", true),
        ["publish: form, sending side closed"] = ("/publish", Form, "topic=a&da", false),
        ["publish: multipart, reset"] = ("/publish", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"topic\"\r\n\r\na\r\n--XX\r\nContent-Disp", true),
        ["publish: multipart, sending side closed"] = ("/publish", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"topic\"\r\n\r\na\r\n--XX\r\nContent-Disp", false),
        ["POST sse: JSON, reset"] = ("/sse", Json, """{"topics":[""", true),
        ["POST sse: JSON, sending side closed"] = ("/sse", Json, """{"topics":[""", false),
    };

    private GatewayFactory Gateway => fixture.Gateway;

    public static TheoryData<string> AnsweredByTheGatewayCases => [.. AnsweredByTheGateway.Keys];

    public static TheoryData<string> AnsweredByTheServerCoreCases => [.. AnsweredByTheServerCore.Keys];

    public static TheoryData<string> LeavingMidBodyCases => [.. LeavingMidBody.Keys];

    [Theory]
    [MemberData(nameof(AnsweredByTheGatewayCases))]
    public async Task HostileRequest_ReachingTheGateway_Gets4xxProblemAndLogsNoError(string name)
    {
        var (request, status, field) = AnsweredByTheGateway[name];
        var mark = Gateway.Logs.Count;

        var response = await RawHttp.ExchangeAsync(Gateway.HttpAddress, request);

        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {response.Body}");
        }

        await AssertStillServesAsync();
        Gateway.Logs.AssertNoErrorsSince(mark);
    }

    [Theory]
    [MemberData(nameof(AnsweredByTheServerCoreCases))]
    public async Task HostileRequest_RejectedByKestrel_GetsItsEmptyAnswerAndLogsNoError(string name)
    {
        var (request, status) = AnsweredByTheServerCore[name];
        var mark = Gateway.Logs.Count;

        var response = await RawHttp.ExchangeAsync(Gateway.HttpAddress, request);

        AssertEmptyAnswerFromKestrel(response, status);
        await AssertStillServesAsync();
        Gateway.Logs.AssertNoErrorsSince(mark);
    }

    [Theory]
    [MemberData(nameof(LeavingMidBodyCases))]
    public async Task ClientLeavingMidBody_LogsNoError(string name)
    {
        var (path, contentType, partialBody, reset) = LeavingMidBody[name];
        var head = Head("POST", path, $"Content-Type: {contentType}\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n");
        var mark = Gateway.Logs.Count;

        await RawHttp.LeaveMidBodyAsync(Gateway.HttpAddress, head, Encoding.UTF8.GetBytes(partialBody), reset);

        await Gateway.Logs.WaitForFailedRequestAsync(mark, path);
        await AssertStillServesAsync();
        Gateway.Logs.AssertNoErrorsSince(mark);
    }

    [Fact]
    public async Task SlowHeaders_PastRequestHeadersTimeout_Get408FromKestrelWithoutBody()
    {
        using var gateway = new GatewayFactory(kestrel: options => options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1));
        var mark = gateway.Logs.Count;

        // Headers that never end.
        var response = await RawHttp.ExchangeAsync(gateway.HttpAddress, "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"u8.ToArray());

        AssertEmptyAnswerFromKestrel(response, 408);
        gateway.Logs.AssertNoErrorsSince(mark);
    }

    [Fact]
    public async Task SlowBody_BelowMinimumDataRate_Gets408Problem()
    {
        using var gateway = new GatewayFactory(
            kestrel: options => options.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1000, gracePeriod: TimeSpan.FromSeconds(2)));
        var mark = gateway.Logs.Count;

        // A body that trickles: 10 of 1000 bytes, then nothing.
        var response = await RawHttp.ExchangeAsync(
            gateway.HttpAddress, [.. Head("POST", "/publish", $"Content-Type: {Form}\r\nContent-Length: 1000\r\n"), .. "topic=a&da"u8]);

        Assert.Equal(408, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        gateway.Logs.AssertNoErrorsSince(mark);
    }

    /// <summary>What the README says of the answers Kestrel writes itself.</summary>
    private static void AssertEmptyAnswerFromKestrel(RawHttpResponse response, int status)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal("0", response.Headers.GetValueOrDefault("Content-Length"));
        Assert.Equal("close", response.Headers.GetValueOrDefault("Connection"));
        Assert.Null(response.ContentType);
        Assert.False(response.Headers.ContainsKey("Content-Security-Policy"));
        Assert.Empty(response.Body);
    }

    /// <summary>A subscriber connects and receives a publish, as if nothing had happened.</summary>
    private async Task AssertStillServesAsync()
    {
        await using var sse = await SseTestClient.ConnectAsync(Gateway, "sse?topic=after-hostile-input");
        using var http = Gateway.CreateHttpClient();

        using var published = await http.PostAsync(
            "publish", new FormUrlEncodedContent([new("topic", "after-hostile-input"), new("data", "still serving")]), TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("still serving", (await sse.NextAsync()).Data);
    }

    private static byte[] Post(string path, string? contentType, string body, string headers = "") =>
        Post(path, contentType, Encoding.UTF8.GetBytes(body), headers);

    private static byte[] Post(string path, string? contentType, byte[] body, string headers = "") =>
        [.. Head("POST", path, $"{(contentType is null ? "" : $"Content-Type: {contentType}\r\n")}Content-Length: {body.Length}\r\n{headers}"), .. body];

    private static byte[] Chunked(string path, string contentType, string chunkedBody) =>
        [.. Head("POST", path, $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n"), .. Encoding.UTF8.GetBytes(chunkedBody)];

    private static byte[] Get(string target, string headers = "") => Head("GET", target, headers);

    /// <summary>A request head asking the server to close the connection after answering: reading to the end reads the whole answer.</summary>
    private static byte[] Head(string method, string target, string headers) =>
        Encoding.UTF8.GetBytes($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n");
}
