using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;
using PushGateway.Hub;
using PushGateway.Publishing;
using Serilog.Core;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// The real gateway on real Kestrel, on a free loopback port, with a fake clock: the ticker,
/// heartbeats and close timeouts move only when a test advances <see cref="Time"/>.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    /// <param name="settings">Configuration on top of appsettings.json.</param>
    /// <param name="port">0 for any free port; to restart a gateway where clients expect it, the port of a <see cref="PortReservation"/>.</param>
    /// <param name="start">Where the fake clock starts; a restarted gateway must start later, as a real one would.</param>
    /// <param name="kestrel">Kestrel settings on top of the loopback listener (limits, timeouts).</param>
    public GatewayFactory(
        IDictionary<string, string?>? settings = null, int port = 0, DateTimeOffset? start = null, Action<KestrelServerOptions>? kestrel = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Kestrel warns that Listen below overrides the default URL: expected here.
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Server.Kestrel"] = "Error",
            // The request lines of failed requests (Information), which tests await as the sign that a request is over.
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
            // Stopping closes every connection at once unless a test sets a window and moves the fake clock through it.
            ["PushGateway:Shutdown:DrainWindow"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        Time = new TimerWatchingTimeProvider(start ?? DefaultStart);
        // Not UseKestrel(port): it rewrites the server addresses while the app may already be binding
        // them, which fails now and then (dotnet/aspnetcore#67714).
        UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            kestrel?.Invoke(options);
        });
        StartServer();
    }

    /// <summary>A whole second, so that tick times are easy to assert.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The gateway's clock: a <c>FakeTimeProvider</c> that also says when a timer is armed on it.</summary>
    public TimerWatchingTimeProvider Time { get; }

    /// <summary>What the gateway logs, at the levels its configuration lets through (Warning and up unless a test says otherwise).</summary>
    public LogCapture Logs { get; } = new();

    public Uri HttpAddress
    {
        get
        {
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address + "/");
        }
    }

    public Uri WebSocketAddress => new UriBuilder(HttpAddress) { Scheme = "ws", Path = "/ws" }.Uri;

    internal IBroadcastHub Hub => Services.GetRequiredService<IBroadcastHub>();

    /// <summary>
    /// Completes once the ticker has started its timer on the fake clock (it starts on a background thread, after
    /// the host): from then on, advancing the clock by an interval publishes a tick.
    /// </summary>
    public Task TickerStartedAsync()
    {
        var interval = Services.GetRequiredService<IOptions<TickerOptions>>().Value.Interval;
        return Time.TimerArmedAsync(interval, period: interval);
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = HttpAddress, Timeout = Timeout.InfiniteTimeSpan };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time).AddSingleton<ILogEventSink>(Logs));
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // UseKestrel above registers Kestrel's memory pool factory again, after the app's services:
        // wrap that one, as the app wraps the one WebApplication.CreateBuilder registers.
        builder.ConfigureServices(services => services.AddRenewableMemoryPools());
        return base.CreateHost(builder);
    }
}
