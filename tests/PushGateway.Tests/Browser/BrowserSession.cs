using System.Collections.Concurrent;
using Microsoft.Playwright;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Browser;

/// <summary>
/// A browser context that records every request and WebSocket its pages open and every console
/// error, so a test can assert that the pages talk to nobody but the gateway.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _urls = new();
    private readonly ConcurrentQueue<string> _consoleErrors = new();

    private BrowserSession(IBrowserContext context) => Context = context;

    public IBrowserContext Context { get; }

    public IReadOnlyCollection<string> Urls => _urls;

    public IReadOnlyCollection<string> ConsoleErrors => _consoleErrors;

    public static async Task<BrowserSession> StartAsync(ChromiumFixture chromium)
    {
        Assert.SkipWhen(chromium.Browser is null, ChromiumFixture.SkipReason);
        var session = new BrowserSession(await chromium.Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 420, Height = 820 },
        }));
        session.Context.Request += (_, request) => session._urls.Enqueue(request.Url);
        return session;
    }

    public async Task<IPage> OpenAsync(Uri url)
    {
        var page = await Context.NewPageAsync();
        page.WebSocket += (_, socket) => _urls.Enqueue(socket.Url);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _consoleErrors.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        await page.GotoAsync(url.ToString());
        return page;
    }

    /// <summary>Every request and socket went to the gateway's own origin, over HTTP or WebSocket.</summary>
    public void AssertOnlyTalkedTo(Uri gateway)
    {
        Assert.NotEmpty(_urls);
        var http = gateway.GetLeftPart(UriPartial.Authority) + "/";
        var ws = new UriBuilder(gateway) { Scheme = "ws" }.Uri.GetLeftPart(UriPartial.Authority) + "/";
        Assert.All(_urls, url => Assert.True(
            url.StartsWith(http, StringComparison.Ordinal) || url.StartsWith(ws, StringComparison.Ordinal),
            $"the page requested {url}, outside the gateway"));
    }

    /// <summary>Saves a screenshot under tests/artifacts/ for a person to look at.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryPaths.Artifacts, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
