using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary>
/// One gateway for the whole hostile-input table (a gateway per case would cost more than the
/// cases), with the limits out of the way: each case opens a subscriber, and HttpClient lets go of
/// an unfinished stream only after trying to drain it for up to 2 s. A small publish body limit, to
/// reach it quickly.
/// </summary>
public sealed class HostileHttpGateway : IDisposable
{
    public const int MaxPublishBytes = 8192;

    public GatewayFactory Gateway { get; } = new(new Dictionary<string, string?>
    {
        ["PushGateway:Publish:MaxRequestBytes"] = MaxPublishBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PushGateway:Limits:MaxConnectionsPerAddress"] = "100000",
        ["PushGateway:Limits:PublishBurst"] = "100000",
        ["PushGateway:Limits:PublishesPerPeriod"] = "100000",
    });

    public void Dispose() => Gateway.Dispose();
}
