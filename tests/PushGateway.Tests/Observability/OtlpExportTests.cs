using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Observability;

/// <summary>OTLP export, to a collector of the test's own on loopback (the gateway as its own process: the variable is read at start).</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task WithAnOtlpEndpoint_PushesTheGatewaysMetricsToTheCollector()
    {
        string[] expected = ["pushgateway.backplane.up", "dotnet.gc.collections"];
        var exported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastPayload = string.Empty;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            // Protobuf keeps names as UTF-8 bytes: enough to see which instruments came. An early export may
            // precede an instrument's first use: wait for one that carries them all.
            lastPayload = Encoding.UTF8.GetString(body.ToArray());
            if (expected.All(name => lastPayload.Contains(name, StringComparison.Ordinal)))
            {
                exported.TrySetResult();
            }

            return Results.Ok();
        });
        await collector.StartAsync(TestTimeout.Token());
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var gateway = await GatewayProcess.StartAsync(4096, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });

        var completed = await Task.WhenAny(exported.Task, Task.Delay(TestTimeout.Default, TestContext.Current.CancellationToken));
        Assert.True(completed == exported.Task, $"no export carried {string.Join(" and ", expected)}; the last one: {lastPayload}");
    }
}
