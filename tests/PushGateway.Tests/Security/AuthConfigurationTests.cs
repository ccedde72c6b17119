using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PushGateway.Security;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class AuthConfigurationTests
{
    [Fact]
    public async Task StartAsync_WithoutKeys_WarnsThatAuthorizationIsOff()
    {
        var logger = new FakeLogger<AuthStartupCheck>();

        await new AuthStartupCheck(Options.Create(new AuthOptions()), logger).StartAsync(TestContext.Current.CancellationToken);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.StartsWith("AUTHORIZATION IS OFF", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithAKey_SaysNothing()
    {
        var logger = new FakeLogger<AuthStartupCheck>();

        await new AuthStartupCheck(Options.Create(new AuthOptions { SigningKey = Tokens.SigningKey }), logger)
            .StartAsync(TestContext.Current.CancellationToken);

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    [Theory]
    [InlineData("PushGateway:Auth:SigningKey", "too-short")]
    [InlineData("PushGateway:Auth:PublicKeyPem", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----")]
    public void Start_WithAnUnusableKey_Fails(string key, string value)
    {
        var exception = Assert.ThrowsAny<Exception>(() => new GatewayFactory(new Dictionary<string, string?> { [key] = value }).Dispose());

        Assert.IsType<OptionsValidationException>(exception.GetBaseException(), exactMatch: false);
    }
}
