using System.Text.Json;
using PushGateway.Hub;
using PushGateway.Publishing;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Publishing;

public sealed class TickerTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Ticker_PublishesOncePerSecondOfServerTime()
    {
        await using var sse = await SseTestClient.ConnectAsync(_gateway);
        await _gateway.TickerStartedAsync();

        _gateway.Time.Advance(TimeSpan.FromMilliseconds(999));
        _gateway.Hub.Publish(BuiltInTopics.Chat, EventTypes.Chat, "marker");
        Assert.Equal("marker", (await sse.NextAsync()).Data);

        var times = new List<string?>();
        for (var second = 0; second < 3; second++)
        {
            _gateway.Time.Advance(second == 0 ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromSeconds(1));
            var tick = await sse.NextAsync();
            Assert.Equal("message", tick.EventType);
            using var data = JsonDocument.Parse(tick.Data);
            times.Add(data.RootElement.GetProperty("time").GetString());
        }

        Assert.Equal(["2026-11-25T12:00:01.000Z", "2026-11-25T12:00:02.000Z", "2026-11-25T12:00:03.000Z"], times);
    }

    [Fact]
    public void Describe_GivesASentenceAndAnIsoTime()
    {
        var json = TickerService.Describe(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)));

        Assert.Equal("""{"message":"Friday, 2 January 2026 01:04:05 UTC","time":"2026-01-02T01:04:05.678Z"}""", json);
    }
}
