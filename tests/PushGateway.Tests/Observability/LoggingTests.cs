using System.Net;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;
using Serilog.Events;

namespace PushGateway.Tests.Observability;

public sealed class LoggingTests
{
    private const int OpenFilesLimit = 4096;

    [Fact]
    public async Task StartedFromAnotherDirectory_ReadsTheSettingsNextToTheBinaryAndLogs()
    {
        // A setting only the file next to the binary holds, in an environment of this test's own.
        var environment = $"ContentRootTest{Guid.NewGuid():N}";
        var settingsFile = Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json");
        var elsewhere = Directory.CreateTempSubdirectory("pushgateway-cwd-");
        await File.WriteAllTextAsync(settingsFile, """{"PushGateway":{"Sse":{"RetryMilliseconds":1234}}}""", TestContext.Current.CancellationToken);
        try
        {
            using var gateway = await GatewayProcess.StartAsync(
                OpenFilesLimit, new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = environment }, workingDirectory: elsewhere.FullName);
            using var http = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };

            await using var stream = await http.GetStreamAsync("sse", TestTimeout.Token());
            using var reader = new StreamReader(stream);

            Assert.Equal("retry: 1234", await reader.ReadLineAsync(TestTimeout.Token()));
            await gateway.WaitForLineAsync("AUTHORIZATION IS OFF");
        }
        finally
        {
            File.Delete(settingsFile);
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task JsonFormat_WritesOneCompactJsonObjectPerLine()
    {
        using var gateway = await GatewayProcess.StartAsync(
            OpenFilesLimit, new Dictionary<string, string> { ["PushGateway:Logging:Format"] = "Json" });

        await gateway.WaitForLineAsync("AUTHORIZATION IS OFF");

        Assert.All(gateway.Lines.Where(line => line.Length > 0), line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("@t", out _), line);
            Assert.True(json.RootElement.TryGetProperty("@mt", out _), line);
        });
        Assert.Contains(gateway.Lines, line => line.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal) && line.Contains("AUTHORIZATION IS OFF", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publishes_AreSummedUpPerInterval_NotLoggedOneByOne()
    {
        const int Publishes = 25;
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Ticker:Enabled"] = "false",
            ["PushGateway:Logging:RequestSummaryInterval"] = "00:01:00",
            ["Serilog:MinimumLevel:Override:PushGateway.Observability.RequestSummaryService"] = "Information",
        });
        using var http = gateway.CreateHttpClient();

        for (var i = 0; i < Publishes; i++)
        {
            using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", $"{i}")]), TestTimeout.Token());
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        using var refused = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "not a topic"), new("data", "x")]), TestTimeout.Token());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        // The 400's own line (Information) is the sign that every request before it was logged too.
        await gateway.Logs.WaitForFailedRequestAsync(0, "/publish");
        await gateway.Time.TimerArmedAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        gateway.Time.Advance(TimeSpan.FromMinutes(1));

        var summary = await gateway.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("requests answered in the last", StringComparison.Ordinal));
        Assert.Equal(LogEventLevel.Information, summary[0].Level);
        Assert.Equal(
            $"\"{Publishes} × POST /publish 200; 1 × POST /publish 400\"", summary[0].Properties["Requests"].ToString());
        Assert.DoesNotContain(gateway.Logs.Events, e => LogCapture.IsRequestCompleted(e, "/publish") && LogCapture.StatusCode(e) == 200);
    }
}
