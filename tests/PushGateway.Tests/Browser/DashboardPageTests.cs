using PushGateway.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushGateway.Tests.Browser;

/// <summary>The live dashboard in headless Chromium against the real gateway, under its Content-Security-Policy.</summary>
public sealed class DashboardPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    // Collects CSP violations before any of the page's own scripts run (an init script is not subject to the CSP).
    private const string RecordViolations =
        "window.__violations = []; document.addEventListener('securitypolicyviolation', " +
        "e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));";

    [Fact]
    public async Task Dashboard_WhenClientsConnectAndMessagesFlow_ShowsTheNumbersMoving()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        await using var browser = await BrowserSession.StartAsync(chromium);
        await browser.Context.AddInitScriptAsync(RecordViolations);
        var page = await browser.OpenAsync(new Uri(gateway.HttpAddress, "dashboard.html"));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        await Expect(page.Locator("#sse")).ToHaveTextAsync("0");
        await Expect(page.Locator("#ws")).ToHaveTextAsync("0");
        await Expect(page.Locator("#published")).ToHaveTextAsync("0");

        await using var sse = await SseTestClient.ConnectAsync(gateway);
        using var ws = await WebSocketTestClient.ConnectAsync(gateway);
        await ws.SendTextAsync("counted");
        Assert.Equal("counted", await ws.ReceiveTextAsync());
        using var http = gateway.CreateHttpClient();
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "chat"), new("data", $"m{i}")]), TestTimeout.Token());
            response.EnsureSuccessStatusCode();
        }

        gateway.Time.Advance(TimeSpan.FromSeconds(1));

        await Expect(page.Locator("#sse")).ToHaveTextAsync("1");
        await Expect(page.Locator("#ws")).ToHaveTextAsync("1");
        await Expect(page.Locator("#published")).ToHaveTextAsync("5");
        await Expect(page.Locator("#dropped")).ToHaveTextAsync("0");
        await Expect(page.Locator("#as-of")).ToHaveAttributeAsync("data-t", GatewayFactory.DefaultStart.AddSeconds(2).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#nodes tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#nodes tr td").Nth(2)).ToHaveTextAsync("5");
        await Expect(page.Locator(".chart canvas")).ToHaveCountAsync(4);
        await BrowserSession.ScreenshotAsync(page, "dashboard");

        // A quiet second after the burst: the rate falls back, the connections stay.
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        await Expect(page.Locator("#published")).ToHaveTextAsync("0");
        await Expect(page.Locator("#sse")).ToHaveTextAsync("1");

        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__violations"));
        Assert.Empty(browser.ConsoleErrors);
        browser.AssertOnlyTalkedTo(gateway.HttpAddress);
        Assert.Contains(browser.Urls, url => url.Contains("/lib/uplot/uPlot.iife.min.js", StringComparison.Ordinal));
        Assert.Contains(browser.Urls, url => url.Contains("/dashboard/stats?since=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_WithAuthorizationOn_ShowsTheNumbersOnlyWithAnAdminToken()
    {
        var settings = Tokens.Settings();
        settings["PushGateway:Ticker:Enabled"] = "false";
        await using var gateway = new GatewayFactory(settings);
        await using var browser = await BrowserSession.StartAsync(chromium);

        var without = await browser.OpenAsync(new Uri(gateway.HttpAddress, "dashboard.html"));
        await Expect(without.Locator("#status")).ToContainTextAsync("Needs a token");
        var notAdmin = Tokens.Mint(gateway.Time.GetUtcNow(), subscribe: ["*"], lifetime: TimeSpan.FromHours(1));
        var subscriberOnly = await browser.OpenAsync(new Uri(gateway.HttpAddress, $"dashboard.html?access_token={notAdmin}"));
        await Expect(subscriberOnly.Locator("#status")).ToContainTextAsync("Needs a token");

        var admin = Tokens.Mint(gateway.Time.GetUtcNow(), admin: true, lifetime: TimeSpan.FromHours(1));
        var page = await browser.OpenAsync(new Uri(gateway.HttpAddress, $"dashboard.html?access_token={admin}"));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        await using var sse = await SseTestClient.ConnectAsync(gateway, $"sse?access_token={admin}");
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        await Expect(page.Locator("#sse")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task Dashboard_OnARedisCluster_ShowsEachNodeAndTheirSum()
    {
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        var (nodeA, nodeB) = (cluster.NodeA, cluster.NodeB);
        await using var sseOnA = await SseTestClient.ConnectAsync(nodeA);
        using var wsOnB = await WebSocketTestClient.ConnectAsync(nodeB);
        await wsOnB.SendTextAsync("counted");
        Assert.Equal("counted", (await sseOnA.NextAsync()).Data);
        await using var browser = await BrowserSession.StartAsync(chromium);
        await browser.Context.AddInitScriptAsync(RecordViolations);
        var page = await browser.OpenAsync(new Uri(nodeA.HttpAddress, "dashboard.html"));

        // Points come when the clocks move; each node reads the other's as it takes its own.
        await Eventually.ReachAsync(
            async () =>
            {
                nodeA.Time.Advance(TimeSpan.FromSeconds(1));
                nodeB.Time.Advance(TimeSpan.FromSeconds(1));
                return await page.Locator("#nodes tr").CountAsync() == 2 && await page.Locator("#ws").TextContentAsync() == "1";
            },
            "the dashboard on node A showing both nodes");

        await Expect(page.Locator("#node option")).ToHaveCountAsync(3);
        await Expect(page.Locator("#node option").First).ToHaveTextAsync("Cluster (2 nodes)");
        await Expect(page.Locator("#sse")).ToHaveTextAsync("1");
        await Expect(page.Locator("#nodes tr").First.Locator("th")).ToContainTextAsync("(this node)");
        await Expect(page.Locator("#nodes tr").First.Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(page.Locator("#nodes tr").Nth(1).Locator("td").First).ToHaveTextAsync("1");
        await BrowserSession.ScreenshotAsync(page, "dashboard-cluster");

        // Node B alone: its socket, none of A's streams.
        var nodeBId = await page.Locator("#nodes tr").Nth(1).GetAttributeAsync("data-node");
        await page.Locator("#node").SelectOptionAsync(nodeBId!);
        await Expect(page.Locator("#ws")).ToHaveTextAsync("1");
        await Expect(page.Locator("#sse")).ToHaveTextAsync("0");

        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__violations"));
        Assert.Empty(browser.ConsoleErrors);
        browser.AssertOnlyTalkedTo(nodeA.HttpAddress);
    }

    [Fact]
    public async Task IndexPage_LinksToTheDashboard()
    {
        await using var gateway = new GatewayFactory();
        await using var browser = await BrowserSession.StartAsync(chromium);
        var page = await browser.OpenAsync(gateway.HttpAddress);

        await page.Locator(".cards a[href='dashboard.html']").ClickAsync();

        await Expect(page).ToHaveTitleAsync("Dashboard · PushGateway");
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
    }
}
