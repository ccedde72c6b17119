using Microsoft.Playwright;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushGateway.Tests.Browser;

/// <summary>The chat and ticker pages in headless Chromium against the real gateway.</summary>
public sealed class DemoPagesTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Xss = "<img src=x onerror=\"window.__xss = true\">";

    [Fact]
    public async Task ChatPages_ExchangeMessagesBothWays_ShowingHtmlAsText()
    {
        await using var gateway = new GatewayFactory();
        await using var browser = await BrowserSession.StartAsync(chromium);
        var alice = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html"));
        var bob = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(alice);
        await ExpectConnectedAsync(bob);
        // Bob joined second: his first look at the room's presence sees both.
        await Expect(bob.Locator("#presence")).ToHaveTextAsync("2 connected");

        await SendAsync(alice, $"hello bob {Xss}", pressEnter: true);
        await SendAsync(bob, "hi alice", pressEnter: false);

        foreach (var page in new[] { alice, bob })
        {
            await Expect(ChatLines(page)).ToHaveTextAsync([$"hello bob {Xss}", "hi alice"]);
            await Expect(page.Locator("#messages img")).ToHaveCountAsync(0);
            Assert.False(await page.EvaluateAsync<bool>("() => window.__xss === true"), "chat text ran as HTML");
        }

        await BrowserSession.ScreenshotAsync(alice, "chat");
        browser.AssertOnlyTalkedTo(gateway.HttpAddress);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task ChatPage_InARoom_TalksOnlyInThatRoom()
    {
        await using var gateway = new GatewayFactory();
        await using var browser = await BrowserSession.StartAsync(chromium);
        var inRoom = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html?topic=room-9"));
        var lobby = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(inRoom);
        await ExpectConnectedAsync(lobby);

        await SendAsync(lobby, "lobby only", pressEnter: true);
        await SendAsync(inRoom, "room only", pressEnter: true);

        await Expect(ChatLines(inRoom)).ToHaveTextAsync(["room only"]);
        await Expect(ChatLines(lobby)).ToHaveTextAsync(["lobby only"]);
        await Expect(inRoom.Locator("#room")).ToHaveTextAsync("· room-9");
        browser.AssertOnlyTalkedTo(gateway.HttpAddress);
    }

    [Fact]
    public async Task ChatPage_RefusesAMessageOverTheServersLimit_AndStaysConnected()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:WebSockets:MaxMessageBytes"] = "16" });
        await using var browser = await BrowserSession.StartAsync(chromium);
        var chat = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(chat);
        // The page has read the limit from GET /limits once it caps the input's length with it.
        await Expect(chat.Locator("#message")).ToHaveAttributeAsync("maxlength", "16");

        // Nine characters, eighteen bytes of UTF-8: within the length cap, over the byte limit.
        await SendAsync(chat, "ééééééééé", pressEnter: true);
        await SendAsync(chat, "fits", pressEnter: true);

        await Expect(chat.Locator("#messages li.system .text").Last).ToHaveTextAsync("Not sent: message is 18 bytes of UTF-8, the limit is 16");
        await Expect(ChatLines(chat)).ToHaveTextAsync(["fits"]);
        await ExpectConnectedAsync(chat);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task TickerPage_ShowsTicksAndChatFromTheChatPage()
    {
        await using var gateway = new GatewayFactory();
        await using var browser = await BrowserSession.StartAsync(chromium);
        var ticker = await browser.OpenAsync(new Uri(gateway.HttpAddress, "ticker.html"));
        var chat = await browser.OpenAsync(new Uri(gateway.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(ticker);
        await ExpectConnectedAsync(chat);
        await gateway.TickerStartedAsync();

        for (var tick = 1; tick <= 3; tick++)
        {
            gateway.Time.Advance(TimeSpan.FromSeconds(1));
            await Expect(ticker.Locator("#events li.tick")).ToHaveCountAsync(tick);
        }

        await SendAsync(chat, $"to the ticker {Xss}", pressEnter: true);

        await Expect(ticker.Locator("#events li.chat .text")).ToHaveTextAsync($"to the ticker {Xss}");
        await Expect(ticker.Locator("#events li.tick .text").First).ToHaveTextAsync("Wednesday, 25 November 2026 12:00:03 UTC");
        await Expect(ticker.Locator("#count")).ToHaveTextAsync("4");
        await Expect(ticker.Locator("#last-event-id")).ToHaveTextAsync(gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "last").EventId!);
        await Expect(ticker.Locator("#events img")).ToHaveCountAsync(0);
        await BrowserSession.ScreenshotAsync(ticker, "ticker");
        await BrowserSession.ScreenshotAsync(chat, "chat-with-ticker");
        browser.AssertOnlyTalkedTo(gateway.HttpAddress);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Pages_ThroughTheShippedNginxInFrontOfTwoNodes_ChatReachesEveryPage()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["PushGateway:Redis:Configuration"] = redis.Configuration };
        await using var nodeA = new GatewayFactory(settings);
        await using var nodeB = new GatewayFactory(settings);
        await using var proxy = await NginxProxy.StartAsync(nodeA.HttpAddress.Authority, nodeB.HttpAddress.Authority);
        await using var browser = await BrowserSession.StartAsync(chromium);
        // nginx's round-robin puts the pages' WebSocket and event stream on both nodes.
        var ticker = await browser.OpenAsync(new Uri(proxy.HttpAddress, "ticker.html"));
        var alice = await browser.OpenAsync(new Uri(proxy.HttpAddress, "chat.html"));
        var bob = await browser.OpenAsync(new Uri(proxy.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(ticker);
        await ExpectConnectedAsync(alice);
        await ExpectConnectedAsync(bob);

        await SendAsync(alice, "through nginx", pressEnter: true);

        await Expect(ticker.Locator("#events li.chat .text")).ToHaveTextAsync("through nginx");
        await Expect(ChatLines(bob)).ToHaveTextAsync(["through nginx"]);
        await Expect(ChatLines(alice)).ToHaveTextAsync(["through nginx"]);
        browser.AssertOnlyTalkedTo(proxy.HttpAddress);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Pages_AfterServerRestart_ReconnectByThemselvesAndResumeWithoutLossOrDuplicates()
    {
        // The port stays this test's between the two gateways, so that the pages find the second one where the first was.
        using var port = new PortReservation();
        var settings = new Dictionary<string, string?> { ["PushGateway:Sse:RetryMilliseconds"] = "200" };
        var first = new GatewayFactory(settings, port.Port);
        await using var browser = await BrowserSession.StartAsync(chromium);
        var ticker = await browser.OpenAsync(new Uri(first.HttpAddress, "ticker.html"));
        var chat = await browser.OpenAsync(new Uri(first.HttpAddress, "chat.html"));
        await ExpectConnectedAsync(ticker);
        await ExpectConnectedAsync(chat);
        var expectedIds = new List<string>();
        await first.TickerStartedAsync();
        for (var tick = 1; tick <= 2; tick++)
        {
            first.Time.Advance(TimeSpan.FromSeconds(1));
            await Expect(ticker.Locator("#events li.tick")).ToHaveCountAsync(tick);
        }

        expectedIds.AddRange(await ShownIdsAsync(ticker));
        await first.DisposeAsync();

        await Expect(chat.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "connected");
        await Expect(ticker.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "connected");
        await Expect(chat.Locator("#send")).ToBeDisabledAsync();

        // The restarted gateway publishes before and after the pages find it again: held events are replayed, live ones follow.
        await using var second = new GatewayFactory(settings, port.Port, GatewayFactory.DefaultStart.AddMinutes(1));
        expectedIds.Add(second.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "while you were away").EventId!);
        await ExpectConnectedAsync(ticker);
        await ExpectConnectedAsync(chat);
        await second.TickerStartedAsync();
        second.Time.Advance(TimeSpan.FromSeconds(1));
        await SendAsync(chat, "back again", pressEnter: true);

        await Expect(ChatLines(chat)).ToHaveTextAsync(["back again"]);
        await Expect(ticker.Locator("#events li.chat .text").First).ToHaveTextAsync("back again");
        var shown = await ShownIdsAsync(ticker);
        Assert.Equal(shown.Distinct(), shown);
        Assert.Equal(expectedIds, shown.Take(expectedIds.Count));
        Assert.Equal(expectedIds.Count + 2, shown.Count);
        await Expect(ticker.Locator("#events li.system")).ToHaveCountAsync(1);
        await BrowserSession.ScreenshotAsync(ticker, "ticker-after-restart");
        await BrowserSession.ScreenshotAsync(chat, "chat-after-restart");
        browser.AssertOnlyTalkedTo(second.HttpAddress);
    }

    private static Task ExpectConnectedAsync(IPage page) =>
        Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");

    private static ILocator ChatLines(IPage page) => page.Locator("#messages li:not(.system) .text");

    private static async Task SendAsync(IPage page, string text, bool pressEnter)
    {
        await page.Locator("#message").FillAsync(text);
        if (pressEnter)
        {
            await page.Locator("#message").PressAsync("Enter");
        }
        else
        {
            await page.Locator("#send").ClickAsync();
        }
    }

    /// <summary>The event ids the ticker lists, oldest first (the page shows newest first).</summary>
    private static async Task<List<string>> ShownIdsAsync(IPage ticker)
    {
        var labels = await ticker.Locator("#events li:not(.system) .event-id").AllTextContentsAsync();
        return [.. labels.Select(label => label.TrimStart('#')).Reverse()];
    }
}
