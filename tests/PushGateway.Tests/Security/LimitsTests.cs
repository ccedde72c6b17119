using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Observability;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class LimitsTests : IDisposable
{
    // Buckets that refill once an hour: whatever the test's pace, the limit is reached exactly where counted.
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Limits:MaxConnectionsPerAddress"] = "2",
        ["PushGateway:Limits:MessageBurst"] = "3",
        ["PushGateway:Limits:MessagesPerPeriod"] = "1",
        ["PushGateway:Limits:MessageRatePeriod"] = "01:00:00",
        ["PushGateway:Limits:PublishBurst"] = "2",
        ["PushGateway:Limits:PublishesPerPeriod"] = "1",
        ["PushGateway:Limits:PublishRatePeriod"] = "01:00:00",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Connections_BeyondThePerAddressCap_Get429()
    {
        using var refusals = new MetricCollector<long>(
            _gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "pushgateway.connections.refused");
        await using var first = await SseTestClient.ConnectAsync(_gateway);
        using var second = await WebSocketTestClient.ConnectAsync(_gateway);
        using var http = _gateway.CreateHttpClient();

        using var third = await http.GetAsync("sse", HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_gateway.WebSocketAddress, TestTimeout.Token()));

        await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests, "Too many requests");
        Assert.Equal(HttpStatusCode.TooManyRequests, socket.HttpStatusCode);
        // Counted while the first two are open: handed off by the HTTP layer, they still hold the address's count.
        Assert.Equal(["address_streams", "address_streams"], refusals.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!));
    }

    [Fact]
    public async Task WebSocketMessages_BeyondTheBurst_Close1008()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        for (var i = 0; i < 3; i++)
        {
            await client.SendTextAsync($"message {i}");
            Assert.Equal($"message {i}", await client.ReceiveTextAsync());
        }

        await client.SendTextAsync("one too many");

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "rate limit exceeded: too many messages"), (status, description));
    }

    [Fact]
    public async Task Publishes_BeyondTheBurst_Get429WithRetryAfter()
    {
        using var http = _gateway.CreateHttpClient();
        Task<HttpResponseMessage> PublishAsync() =>
            http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "a"), new("data", "x")]), TestTimeout.Token());

        using var first = await PublishAsync();
        using var second = await PublishAsync();
        using var third = await PublishAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests);
    }
}
