using Microsoft.Playwright;

namespace PushGateway.Tests.Browser;

/// <summary>
/// Debian's headless Chromium driven by Playwright (no browser download), shared by a test class.
/// Without Chromium the browser tests are skipped, saying how to install it; CI installs it and
/// fails on any skipped test.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    public static string SkipReason =>
        $"Chromium not found at {ExecutablePath}: install it with `apt-get install -y chromium` to run the browser tests.";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            return;
        }

        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keeps Chromium off the (closed) network.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-quic",
                // A page the test serves from disk through a route has no address space of its own: Local Network
                // Access would take it for a public page and block its WebSocket to the loopback gateway.
                "--disable-features=LocalNetworkAccessChecks",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
