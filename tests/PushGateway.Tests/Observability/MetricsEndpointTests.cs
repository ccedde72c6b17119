using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability;

/// <summary><c>GET /metrics</c>: what Prometheus scrapes, who may scrape it, and what the HTTP metrics leave out.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly Dictionary<string, string?> NoTicker = new() { ["PushGateway:Ticker:Enabled"] = "false" };

    [Fact]
    public async Task Scrape_AfterTraffic_HasTheGatewaysInstrumentsAndTheBuiltInMeters()
    {
        using var gateway = new GatewayFactory(NoTicker);
        using var closed = new MetricCollector<long>(
            gateway.Services.GetRequiredService<IMeterFactory>(), "PushGateway", "pushgateway.connections.closed");
        using var http = gateway.CreateHttpClient();
        await using (var stream = await SseTestClient.ConnectAsync(gateway, "sse?topic=news"))
        {
            using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "hi")]), TestTimeout.Token());
            published.EnsureSuccessStatusCode();
            Assert.Equal("hi", (await stream.NextAsync()).Data);
        }

        await closed.WaitForMeasurementsAsync(1, TestTimeout.Default);
        using var response = await http.GetAsync("metrics", TestTimeout.Token());
        var text = await response.Content.ReadAsStringAsync(TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = text.Split('\n');
        Assert.Contains("""pushgateway_messages_published_total{otel_scope_name="PushGateway",source="publish_api"} 1""", lines);
        Assert.Contains("""pushgateway_messages_delivered_total{otel_scope_name="PushGateway",transport="sse"} 1""", lines);
        Assert.Contains("""pushgateway_connections_opened_total{otel_scope_name="PushGateway",transport="sse"} 1""", lines);
        Assert.Contains("""pushgateway_connections_closed_total{otel_scope_name="PushGateway",reason="client",transport="sse"} 1""", lines);
        Assert.Contains("""pushgateway_connections_active{otel_scope_name="PushGateway",transport="sse"} 0""", lines);
        Assert.Contains("""pushgateway_delivery_duration_seconds_count{otel_scope_name="PushGateway",transport="sse"} 1""", lines);
        Assert.Contains("""pushgateway_backplane_up{otel_scope_name="PushGateway",backplane="in-process"} 1""", lines);
        Assert.Contains(lines, line => line.StartsWith("""pushgateway_delivery_duration_seconds_bucket{otel_scope_name="PushGateway",transport="sse",le="0.0001"}""", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && line.Contains("""http_route="/publish""", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("kestrel_active_connections{", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("dotnet_gc_heap_total_allocated_bytes_total{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LongLivedStreamsAndSockets_AreLeftOutOfTheRequestDurationHistogram()
    {
        using var gateway = new GatewayFactory(NoTicker);
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var duration = new MetricCollector<double>(meters, "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        using var active = new MetricCollector<long>(meters, "Microsoft.AspNetCore.Hosting", "http.server.active_requests");
        using var http = gateway.CreateHttpClient();

        await using (var stream = await SseTestClient.ConnectAsync(gateway, "sse?topic=news"))
        {
            using var socket = await WebSocketTestClient.ConnectAsync(gateway);
            await socket.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", TestTimeout.Token());
        }

        // Both requests have ended once active_requests went up and down twice (recorded for every request).
        await active.WaitForMeasurementsAsync(4, TestTimeout.Default);
        Assert.Equal(0, active.GetMeasurementSnapshot().Sum(m => m.Value));
        using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "hi")]), TestTimeout.Token());
        published.EnsureSuccessStatusCode();
        await duration.WaitForMeasurementsAsync(1, TestTimeout.Default);

        var route = Assert.Single(duration.GetMeasurementSnapshot()).Tags["http.route"];
        Assert.Equal("/publish", route);
    }

    [Fact]
    public async Task Metrics_WithAuthorizationOff_AreOpen()
    {
        using var gateway = new GatewayFactory(NoTicker);
        using var http = gateway.CreateHttpClient();

        using var response = await http.GetAsync("metrics", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("metrics")]
    [InlineData("dashboard/stats")]
    public async Task Metrics_WithAuthorizationOn_NeedAToken(string path)
    {
        using var gateway = new GatewayFactory(Tokens.Settings());
        using var http = gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "Token required");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("metrics")]
    [InlineData("dashboard/stats")]
    public async Task Metrics_WithATokenThatIsNotAdmin_AreForbidden(string path)
    {
        using var gateway = new GatewayFactory(Tokens.Settings());
        using var http = gateway.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint(gateway.Time.GetUtcNow(), publish: ["*"], subscribe: ["*"]));

        using var response = await http.GetAsync(path, TestTimeout.Token());

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "Not allowed");
    }

    [Fact]
    public async Task Metrics_WithAnAdminToken_AreServed()
    {
        using var gateway = new GatewayFactory(Tokens.Settings());
        using var http = gateway.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint(gateway.Time.GetUtcNow(), admin: true));

        using var response = await http.GetAsync("metrics", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("pushgateway_backplane_up{", await response.Content.ReadAsStringAsync(TestTimeout.Token()), StringComparison.Ordinal);
        using var dashboard = await http.GetAsync("dashboard/stats", TestTimeout.Token());
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    [Theory]
    [InlineData("metrics")]
    [InlineData("dashboard/stats")]
    public async Task Metrics_ConfiguredOpen_AreServedWithoutATokenEvenWithAuthorizationOn(string path)
    {
        var settings = Tokens.Settings();
        settings["PushGateway:Metrics:Access"] = "Open";
        using var gateway = new GatewayFactory(settings);
        using var http = gateway.CreateHttpClient();

        using var response = await http.GetAsync(path, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
