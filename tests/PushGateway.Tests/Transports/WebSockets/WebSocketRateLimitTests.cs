using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets;

/// <summary>
/// The message bucket refills: <c>MessagesPerPeriod</c> every <c>MessageRatePeriod</c>. (The burst itself, and the
/// close past it, are in <c>Security/LimitsTests</c>.)
/// </summary>
public sealed class WebSocketRateLimitTests : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>
    {
        ["PushGateway:Limits:MessageBurst"] = "2",
        ["PushGateway:Limits:MessagesPerPeriod"] = "2",
        ["PushGateway:Limits:MessageRatePeriod"] = "00:00:00.100",
    });

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task Bucket_AfterAPeriod_LetsTheSocketSendAgain()
    {
        using var client = await WebSocketTestClient.ConnectAsync(_gateway);

        for (var round = 0; round < 3; round++)
        {
            // Empty the bucket...
            for (var i = 0; i < 2; i++)
            {
                await client.SendTextAsync($"round {round}, message {i}");
                Assert.Equal($"round {round}, message {i}", await client.ReceiveTextAsync());
            }

            // ... and wait for it to refill. The runtime's token bucket keeps real time (not the gateway's
            // TimeProvider): only time passing refills it, so the test lets several periods pass.
            await Task.Delay(5 * Period, TestContext.Current.CancellationToken);
        }
    }
}
