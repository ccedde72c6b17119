using System.Net;
using System.Net.Http.Headers;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.ServerSentEvents;

/// <summary>
/// <c>Sse:AllowedOrigins</c>: CORS names the listed origins only. A page from another origin gets no
/// <c>Access-Control-Allow-Origin</c>, so its browser refuses to hand it the stream (and fails the preflight).
/// </summary>
public sealed class SseAllowedOriginsTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Sse:AllowedOrigins:0"] = "https://app.example",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Get_FromAListedOrigin_IsAllowedByName()
    {
        var headers = await GetFromAsync("https://app.example");

        Assert.Equal("https://app.example", Assert.Single(headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("PushGateway-Resume", Assert.Single(headers.GetValues("Access-Control-Expose-Headers")));
    }

    [Fact]
    public async Task Get_FromAnUnlistedOrigin_GetsNoCorsHeaders()
    {
        var headers = await GetFromAsync("https://evil.example");

        Assert.False(headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(headers.Contains("Access-Control-Expose-Headers"));
    }

    [Theory]
    [InlineData("GET", "last-event-id")]
    [InlineData("POST", "authorization,content-type")]
    public async Task Preflight_FromAnUnlistedOrigin_IsNotAllowed(string method, string headers)
    {
        using var allowed = await PreflightFromAsync("https://app.example", method, headers);
        using var refused = await PreflightFromAsync("https://evil.example", method, headers);

        Assert.Equal("https://app.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Methods"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Headers"));
    }

    /// <summary>The headers of a stream requested from <paramref name="origin"/>, which is served (CORS is the browser's to enforce).</summary>
    private async Task<HttpResponseHeaders> GetFromAsync(string origin)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "sse?topic=chat");
        request.Headers.Add("Origin", origin);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers;
    }

    private async Task<HttpResponseMessage> PreflightFromAsync(string origin, string method, string headers)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "sse");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return await http.SendAsync(request, TestTimeout.Token());
    }
}
