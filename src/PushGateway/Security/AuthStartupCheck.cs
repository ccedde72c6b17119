using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>Says loudly, once, when the gateway runs without authorization.</summary>
internal sealed partial class AuthStartupCheck(IOptions<AuthOptions> options, ILogger<AuthStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogOpen();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "AUTHORIZATION IS OFF: anyone who reaches this gateway can publish to and subscribe to every topic. " +
        "Set PushGateway:Auth:SigningKey (HS256) or PushGateway:Auth:PublicKeyPem (RS256) for anything but development.")]
    private partial void LogOpen();
}
