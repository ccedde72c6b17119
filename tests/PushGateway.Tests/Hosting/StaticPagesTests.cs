using System.Net;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

public sealed class StaticPagesTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();

    public void Dispose() => _gateway.Dispose();

    [Theory]
    [InlineData("", "text/html", "chat.html")]
    [InlineData("index.html", "text/html", "ticker.html")]
    [InlineData("chat.html", "text/html", "chat.js")]
    [InlineData("ticker.html", "text/html", "ticker.js")]
    [InlineData("chat.js", "text/javascript", "WebSocket")]
    [InlineData("ticker.js", "text/javascript", "EventSource")]
    [InlineData("live-page.js", "text/javascript", "/limits")]
    [InlineData("index.html", "text/html", "dashboard.html")]
    [InlineData("dashboard.html", "text/html", "dashboard.js")]
    [InlineData("dashboard.js", "text/javascript", "dashboard/stats")]
    [InlineData("lib/uplot/uPlot.iife.min.js", "text/javascript", "uPlot")]
    [InlineData("lib/uplot/uPlot.min.css", "text/css", ".uplot")]
    [InlineData("site.css", "text/css", "")]
    [InlineData("favicon.svg", "image/svg+xml", "<svg")]
    public async Task Get_DemoPage_IsServedFromTheTopLevelWebRoot(string path, string mediaType, string contains)
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(contains, await response.Content.ReadAsStringAsync(TestTimeout.Token()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chat.html")]
    [InlineData("ticker.html")]
    [InlineData("dashboard.html")]
    [InlineData("dashboard/stats")]
    [InlineData("sse?topic=not%20a%20topic")]
    public async Task Get_AnyResponse_CarriesSecurityHeaders(string path)
    {
        using var http = _gateway.CreateHttpClient();
        var host = _gateway.HttpAddress.Authority;

        using var response = await http.GetAsync(path, TestTimeout.Token());

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        // Every directive, each exactly as the README states it, and no other.
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).Select(directive => directive.Split(' ', 2)).ToArray();
        string[][] expected =
            [
                ["default-src", "'none'"],
                ["script-src", "'self'"],
                ["style-src", "'self'"],
                ["img-src", "'self'"],
                ["connect-src", $"'self' ws://{host} wss://{host}"],
                ["base-uri", "'none'"],
                ["form-action", "'self'"],
                ["frame-ancestors", "'none'"],
            ];
        Assert.Equal(expected, directives);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Get_Healthz_Returns200()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("healthz", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestTimeout.Token()));
    }

    [Fact]
    public async Task Get_Readyz_OnTheInProcessBackplane_Returns200HealthyWithEachCheck()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("readyz", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"status":"Healthy","checks":[{"name":"backplane","status":"Healthy","description":"in-process backplane available"},"""
            + """{"name":"drain","status":"Healthy","description":"accepting connections"}]}""",
            await response.Content.ReadAsStringAsync(TestTimeout.Token()));
    }

    [Fact]
    public async Task Get_UnknownPath_Returns404Problem()
    {
        using var http = _gateway.CreateHttpClient();

        using var response = await http.GetAsync("no-such-page", TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "Not Found");
    }
}
