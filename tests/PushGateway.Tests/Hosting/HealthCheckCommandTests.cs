using System.Diagnostics;
using PushGateway.Hosting;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hosting;

/// <summary>
/// <c>PushGateway healthcheck</c>, the container's health check: the built binary run as its own process against a
/// real gateway, its exit code and what it prints.
/// </summary>
public sealed class HealthCheckCommandTests
{
    [Fact]
    public async Task ReadyGateway_ExitsZeroAndPrintsTheAnswer()
    {
        await using var gateway = new GatewayFactory();

        var (exitCode, output) = await RunAsync(["healthcheck", gateway.HttpAddress.ToString()]);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"ready: {gateway.HttpAddress}readyz answered 200 {{\"status\":\"Healthy\"", output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayNotReady_ExitsOneWithTheStatus()
    {
        // Redis configured where nothing listens: the node runs, but /readyz says it cannot reach the backplane.
        using var nowhere = new PortReservation();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Redis:Configuration"] = $"127.0.0.1:{nowhere.Port},connectTimeout=200",
        });

        var (exitCode, output) = await RunAsync(["healthcheck", gateway.HttpAddress.ToString()]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"not ready: {gateway.HttpAddress}readyz answered 503", output.Trim(), StringComparison.Ordinal);
        // The body says why: what the operator reads in `docker inspect`.
        Assert.Contains("cannot reach Redis", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_ExitsOneAndSaysSo()
    {
        using var nowhere = new PortReservation();

        var (exitCode, output) = await RunAsync(["healthcheck", $"http://127.0.0.1:{nowhere.Port}"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("Connection refused", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnAddress_ProbesTheConfiguredPortOnLoopback()
    {
        await using var gateway = new GatewayFactory();
        var environment = new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"https://+:1;http://+:{gateway.HttpAddress.Port}" };

        var (exitCode, output) = await RunAsync(["healthcheck"], environment);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"ready: http://127.0.0.1:{gateway.HttpAddress.Port}/readyz", output.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, 8080)]
    [InlineData("http://+:9000", "7000", 9000)]
    [InlineData("https://+:443;http://*:9001", null, 9001)]
    [InlineData("http://[::]:9002/base", null, 9002)]
    [InlineData("http://0.0.0.0", null, 80)]
    [InlineData(null, "7000;7001", 7000)]
    [InlineData("", "7002", 7002)]
    public void FromEnvironment_TakesThePortTheGatewayListensOn(string? urls, string? httpPorts, int expected)
    {
        var target = HealthCheckCommand.FromEnvironment(name => name switch
        {
            "ASPNETCORE_URLS" => urls,
            "ASPNETCORE_HTTP_PORTS" => httpPorts,
            _ => null,
        });

        Assert.Equal(new Uri($"http://127.0.0.1:{expected}/"), target);
    }

    [Theory]
    [InlineData("https://+:443", null)]
    [InlineData(null, "none")]
    [InlineData(null, "70000")]
    public void FromEnvironment_WithoutAnHttpPort_AsksForAnAddress(string? urls, string? httpPorts)
    {
        Assert.Null(HealthCheckCommand.FromEnvironment(name => name == "ASPNETCORE_URLS" ? urls : httpPorts));
    }

    [Fact]
    public async Task BadArguments_ExitOneWithUsage()
    {
        var (exitCode, output) = await RunAsync(["healthcheck", "not-an-address"]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("usage: PushGateway healthcheck", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PushGateway.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the test sets: the test process's own ASPNETCORE_* must not choose the port.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestTimeout.Token());
        var errors = process.StandardError.ReadToEndAsync(TestTimeout.Token());
        await process.WaitForExitAsync(TestTimeout.Token());
        return (process.ExitCode, await output + await errors);
    }
}
