using System.Net;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary><c>GET /limits</c> tells clients the limits the gateway is configured with, not its defaults.</summary>
public sealed class LimitsEndpointTests
{
    [Fact]
    public async Task Get_Limits_AnswersTheConfiguredLimits()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Hub:MaxTopicsPerConnection"] = "7",
            ["PushGateway:WebSockets:MaxMessageBytes"] = "1234",
            ["PushGateway:Limits:MessagesPerPeriod"] = "3",
            ["PushGateway:Limits:MessageRatePeriod"] = "00:00:02",
            ["PushGateway:Limits:MessageBurst"] = "5",
            ["PushGateway:Publish:MaxRequestBytes"] = "2048",
            ["PushGateway:Publish:IdempotencyWindow"] = "00:02:00",
            ["PushGateway:Limits:PublishesPerPeriod"] = "9",
            ["PushGateway:Limits:PublishRatePeriod"] = "00:00:00.500",
            ["PushGateway:Limits:PublishBurst"] = "11",
        });
        using var http = gateway.CreateHttpClient();

        using var response = await http.GetAsync("limits", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestTimeout.Token()));
        Assert.Equal(
            """{"topics":{"maxLength":256,"maxPerConnection":7},"ws":{"maxMessageBytes":1234,"messagesPerPeriod":3,"periodMs":2000,"burst":5},"publish":{"maxRequestBytes":2048,"maxEventLength":128,"maxIdLength":256,"maxIdempotencyKeyLength":256,"idempotencyWindowMs":120000,"maxRetryMs":86400000,"publishesPerPeriod":9,"periodMs":500,"burst":11}}""",
            JsonSerializer.Serialize(json.RootElement));
    }
}
