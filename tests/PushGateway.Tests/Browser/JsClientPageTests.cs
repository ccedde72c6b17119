using Microsoft.Playwright;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushGateway.Tests.Browser;

/// <summary>
/// <c>clients/js/example</c> in headless Chromium: the TypeScript client as a page uses it (over the WebSocket
/// sub-protocol), moved from one Redis node to the other behind one address, and across a restart of its node. The page and the built client are served from disk by the browser context (the
/// gateway serves neither); every other request goes through a relay to the current node.
/// </summary>
public sealed class JsClientPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Prefix = "/js-client/";

    [Fact]
    public async Task ExamplePage_MovedToAnotherNode_ShowsEveryMessageOnceInOrder()
    {
        JsClient.SkipUnlessBuilt();
        var client = JsClient.Folder;
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        await using var relay = new TcpRelay(cluster.NodeA.HttpAddress.Port);
        await using var browser = await BrowserSession.StartAsync(chromium);
        await browser.Context.RouteAsync($"**{Prefix}**", route => ServeAsync(route, client));
        var start = await cluster.NodeA.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());

        var page = await browser.OpenAsync(new Uri($"http://127.0.0.1:{relay.Port}{Prefix}example/index.html?topic=news&lastEventId={start.Position}"));
        await Expect(page.Locator("#state")).ToHaveTextAsync("open");
        await cluster.NodeA.Hub.PublishAsync("news", "update", "m1 <b>bold</b>", TestTimeout.Token());
        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1 <b>bold</b>"]);

        // Node A leaves; what is published meanwhile is held on Redis, and the page comes back on node B.
        relay.Cut();
        await cluster.NodeB.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
        await cluster.NodeA.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());
        relay.Retarget(cluster.NodeB.HttpAddress.Port);
        relay.Restore();
        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1 <b>bold</b>", "m2", "m3"]);
        await cluster.NodeB.Hub.PublishAsync("news", "update", "m4", TestTimeout.Token());

        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1 <b>bold</b>", "m2", "m3", "m4"]);
        await Expect(page.Locator("#messages b")).ToHaveCountAsync(0);
        await Expect(page.Locator("#transport")).ToHaveTextAsync("websocket");
        await BrowserSession.ScreenshotAsync(page, "js-client-example");
        browser.AssertOnlyTalkedTo(new Uri($"http://127.0.0.1:{relay.Port}/"));
    }

    [Fact]
    public async Task ExamplePage_AcrossARestartOfItsNode_ShowsEveryMessageOnceInOrder()
    {
        JsClient.SkipUnlessBuilt();
        var client = JsClient.Folder;
        await using var cluster = await RedisCluster.StartAsync(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        var settings = new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false", ["PushGateway:Redis:Configuration"] = cluster.Redis.Configuration };
        // The page's node restarts on the port it held: the port stays this test's in between.
        using var port = new PortReservation();
        var node = new GatewayFactory(settings, port.Port);
        await using var browser = await BrowserSession.StartAsync(chromium);
        await browser.Context.RouteAsync($"**{Prefix}**", route => ServeAsync(route, client));
        var start = await cluster.NodeA.Hub.PublishAsync("news", "update", "m0", TestTimeout.Token());

        var page = await browser.OpenAsync(new Uri(node.HttpAddress, $"{Prefix}example/index.html?topic=news&lastEventId={start.Position}"));
        await Expect(page.Locator("#state")).ToHaveTextAsync("open");
        await cluster.NodeA.Hub.PublishAsync("news", "update", "m1", TestTimeout.Token());
        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1"]);

        await node.DisposeAsync();
        await Expect(page.Locator("#state")).Not.ToHaveTextAsync("open");
        await cluster.NodeB.Hub.PublishAsync("news", "update", "m2", TestTimeout.Token());
        await using var restarted = new GatewayFactory(settings, port.Port);
        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1", "m2"]);
        await restarted.Hub.PublishAsync("news", "update", "m3", TestTimeout.Token());

        await Expect(page.Locator("#messages li")).ToHaveTextAsync(["m1", "m2", "m3"]);
        await Expect(page.Locator("#transport")).ToHaveTextAsync("websocket");
    }

    private static Task ServeAsync(IRoute route, string client)
    {
        var path = new Uri(route.Request.Url).AbsolutePath[Prefix.Length..];
        var file = Path.GetFullPath(Path.Combine(client, path));
        if (!file.StartsWith(client + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
        {
            return route.FulfillAsync(new RouteFulfillOptions { Status = 404 });
        }

        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => "application/octet-stream",
        };
        return route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = type, BodyBytes = File.ReadAllBytes(file) });
    }
}
