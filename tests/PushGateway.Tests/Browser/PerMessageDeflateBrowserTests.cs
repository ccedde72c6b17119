using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Tests.Infrastructure;
using PushGateway.Tests.Transports.WebSockets.Compression;

namespace PushGateway.Tests.Browser;

/// <summary>
/// Headless Chromium's own WebSocket against <c>/ws</c> with compression on: it negotiates permessage-deflate with
/// both no-context-takeover parameters, inflates a compressed 4 KiB JSON message, and compresses what it sends in a
/// way the gateway inflates.
/// </summary>
public sealed class PerMessageDeflateBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Chromium_CompressionOn_NegotiatesAndReadsA4KiBJsonMessage()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:WebSockets:Compression:Enabled"] = "true",
            ["PushGateway:WebSockets:MaxMessageBytes"] = "65536",
            ["PushGateway:Ticker:Enabled"] = "false",
        });
        using var compressed = new MetricCollector<long>(
            gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "pushgateway.websocket.compressed");
        await using var browser = await BrowserSession.StartAsync(chromium);
        var page = await browser.OpenAsync(new Uri(gateway.HttpAddress, "healthz"));

        var extensions = await page.EvaluateAsync<string>("""
            address => new Promise((resolve, reject) => {
              const socket = new WebSocket(address);
              window.received = [];
              socket.onmessage = event => window.received.push(event.data);
              socket.onopen = () => { window.socket = socket; resolve(socket.extensions); };
              socket.onerror = () => reject(new Error('the socket failed'));
            })
            """, new Uri(gateway.WebSocketAddress, "?topic=chat").ToString());
        Assert.Equal("permessage-deflate; client_no_context_takeover; server_no_context_takeover", extensions);

        gateway.Hub.Publish(BuiltInTopics.Chat, "message", PerMessageDeflateTests.Json4K);
        var sent = PerMessageDeflateTests.Json4K.Replace("item", "page", StringComparison.Ordinal);
        await page.EvaluateAsync("text => window.socket.send(text)", sent);
        await page.WaitForFunctionAsync("() => window.received.length === 2");

        Assert.Equal([PerMessageDeflateTests.Json4K, sent], await page.EvaluateAsync<string[]>("() => window.received"));
        // Both went out compressed: the gateway's message, and the page's own as the gateway broadcast it back.
        Assert.Equal(2, compressed.GetMeasurementSnapshot().Count);
        Assert.DoesNotContain(browser.ConsoleErrors, error => error.Contains("WebSocket", StringComparison.Ordinal));
    }
}
