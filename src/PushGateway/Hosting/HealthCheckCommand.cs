using PushGateway.Observability;

namespace PushGateway.Hosting;

/// <summary>
/// <c>PushGateway healthcheck [http://host:port]</c>: asks a running gateway's <c>/readyz</c>, prints the answer and
/// exits 0 when it is ready, 1 when it is not or does not answer. The container's health check, so that the image
/// needs no curl or wget. Without an address it probes this machine's loopback on the port the gateway itself
/// would listen on (ASPNETCORE_URLS, else ASPNETCORE_HTTP_PORTS, else 8080).
/// </summary>
internal static class HealthCheckCommand
{
    public const string Name = "healthcheck";

    // Within a container runtime's usual health-check timeout (Docker's default is 30 s, ours 3 s).
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2);

    private const int MaxBodyShown = 1_000;

    public static bool IsRequested(string[] args) => args is [Name, ..];

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var target = args switch
        {
            [_] => FromEnvironment(Environment.GetEnvironmentVariable),
            [_, var address] when Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" => uri,
            _ => null,
        };
        if (target is null)
        {
            await output.WriteLineAsync($"usage: PushGateway {Name} [http://host:port]  (without an address: the port of ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS on 127.0.0.1)").ConfigureAwait(false);
            return 1;
        }

        var readiness = new Uri(target, ObservabilityExtensions.ReadinessPath);
        using var client = new HttpClient { Timeout = AnswerTimeout };
        try
        {
            using var response = await client.GetAsync(readiness).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var ready = response.IsSuccessStatusCode;
            await output.WriteLineAsync($"{(ready ? "ready" : "not ready")}: {readiness} answered {(int)response.StatusCode} {Shorten(body)}").ConfigureAwait(false);
            return ready ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            var why = exception is TaskCanceledException ? $"no answer within {AnswerTimeout.TotalSeconds:0} s" : exception.Message;
            await output.WriteLineAsync($"not ready: {readiness}: {why}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// Loopback on the first http port the gateway is configured with: ASPNETCORE_URLS wins over ASPNETCORE_HTTP_PORTS,
    /// as in ASP.NET Core; a wildcard host (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) is reached on 127.0.0.1.
    /// Null when only https addresses are configured: then the address is an argument.
    /// </summary>
    public static Uri? FromEnvironment(Func<string, string?> environment)
    {
        var port = environment("ASPNETCORE_URLS") is { Length: > 0 } urls
            ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                .Select(PortOf)
                .FirstOrDefault()
            : environment("ASPNETCORE_HTTP_PORTS") is { Length: > 0 } ports
                ? ports.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                : new Uri(PushGatewayExtensions.DefaultUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return int.TryParse(port, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65_535
            ? new Uri($"http://127.0.0.1:{number}/")
            : null;
    }

    /// <summary>The port of <c>http://host:port[/path]</c>, where host may be a wildcard that <see cref="Uri"/> rejects.</summary>
    private static string PortOf(string url)
    {
        var authority = url["http://".Length..].Split('/')[0];
        var colon = authority.LastIndexOf(':');
        return colon < 0 || authority.EndsWith(']') ? "80" : authority[(colon + 1)..];
    }

    private static string Shorten(string body) =>
        body.Length <= MaxBodyShown ? body : string.Concat(body.AsSpan(0, MaxBodyShown), "…");
}
