using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PushGateway.Hub;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// The real gateway on real Kestrel, on a free loopback port, with a fake clock: the ticker,
/// heartbeats and close timeouts move only when a test advances <see cref="Time"/>.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public GatewayFactory(IDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        UseKestrel(0);
        StartServer();
    }

    /// <summary>Starts at a whole second, so that tick times are easy to assert.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public Uri HttpAddress
    {
        get
        {
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        }
    }

    public Uri WebSocketAddress => new UriBuilder(HttpAddress) { Scheme = "ws", Path = "/ws" }.Uri;

    public IBroadcastHub Hub => Services.GetRequiredService<IBroadcastHub>();

    public HttpClient CreateHttpClient() => new() { BaseAddress = HttpAddress, Timeout = Timeout.InfiniteTimeSpan };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }
}
