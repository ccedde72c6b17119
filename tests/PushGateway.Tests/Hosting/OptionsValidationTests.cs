using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

/// <summary>
/// A bad value in any options section stops the gateway at start-up with a message naming the setting, rather
/// than a gateway that starts and misbehaves. One or more per options class (Auth: <c>Security/AuthConfigurationTests</c>).
/// </summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("PushGateway:Hub:SubscriberQueueCapacity", "0")]
    [InlineData("PushGateway:Hub:MaxTopicsPerConnection", "0")]
    [InlineData("PushGateway:WebSockets:MaxMessageBytes", "0")]
    [InlineData("PushGateway:WebSockets:KeepAliveTimeout", "-00:00:01")]
    [InlineData("PushGateway:Sse:HeartbeatInterval", "00:00:00")]
    [InlineData("PushGateway:Sse:RetryMilliseconds", "-1")]
    [InlineData("PushGateway:Ticker:Interval", "00:00:00")]
    [InlineData("PushGateway:Ticker:Scope", "Galaxy")]
    [InlineData("PushGateway:Ticker:Scope", "7")]
    [InlineData("PushGateway:Publish:MaxRequestBytes", "0")]
    [InlineData("PushGateway:Publish:IdempotencyWindow", "00:00:00")]
    [InlineData("PushGateway:Publish:IdempotencyWindow", "2.00:00:00")]
    [InlineData("PushGateway:Publish:MaxIdempotencyKeys", "0")]
    [InlineData("PushGateway:Redis:Configuration", "localhost:6379,passwrd=typo")]
    [InlineData("PushGateway:Redis:Configuration", "localhost:6379,connectTimeout=soon")]
    [InlineData("PushGateway:Redis:Configuration", "localhost:port")]
    [InlineData("PushGateway:Redis:HistoryPerTopic", "0")]
    [InlineData("PushGateway:Redis:DeliveryStreamLength", "99")]
    [InlineData("PushGateway:Dashboard:Window", "00:00:01")]
    [InlineData("PushGateway:Metrics:Access", "Everyone")]
    [InlineData("PushGateway:Metrics:Access", "7")]
    [InlineData("PushGateway:Logging:Format", "Xml")]
    [InlineData("PushGateway:Logging:Format", "7")]
    [InlineData("PushGateway:Logging:RequestSummaryInterval", "-00:00:01")]
    [InlineData("PushGateway:MemoryReclaim:CheckInterval", "00:00:00")]
    [InlineData("PushGateway:Shutdown:DrainInterval", "00:00:00")]
    [InlineData("PushGateway:Shutdown:DrainWindow", "01:00:00")]
    [InlineData("PushGateway:Limits:MessageBurst", "0")]
    [InlineData("PushGateway:Limits:MaxSocketsPerAddress", "-1")]
    public void Start_WithABadValue_FailsNamingTheSetting(string key, string value)
    {
        var exception = Assert.ThrowsAny<Exception>(() => new GatewayFactory(new Dictionary<string, string?> { [key] = value }).Dispose());

        // What the crashing process prints: the exception and every inner one (a value the binder cannot convert
        // is named by the outer one, a value out of range by the validation's).
        var setting = key[(key.LastIndexOf(':') + 1)..];
        var messages = Messages(exception).ToList();
        Assert.True(messages.Exists(message => message.Contains(setting, StringComparison.Ordinal)), string.Join('\n', messages));
    }

    private static IEnumerable<string> Messages(Exception exception) =>
        exception is AggregateException aggregate
            ? aggregate.InnerExceptions.SelectMany(Messages)
            : exception.InnerException is { } inner ? [exception.Message, .. Messages(inner)] : [exception.Message];
}
