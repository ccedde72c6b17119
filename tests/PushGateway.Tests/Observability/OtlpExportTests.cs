using System.Net;
using System.Text;
using System.Threading.Channels;
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
        var exports = Channel.CreateUnbounded<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            // Protobuf keeps names as UTF-8 bytes: enough to see which instruments came.
            exports.Writer.TryWrite(Encoding.UTF8.GetString(body.ToArray()));
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

        // The first export may come before every instrument exists (on a loaded machine, before the host has
        // started): read exports until both names have come.
        var payloads = new StringBuilder();
        await foreach (var payload in exports.Reader.ReadAllAsync(TestTimeout.Token()))
        {
            payloads.Append(payload);
            if (Contains(payloads, "pushgateway.backplane.up") && Contains(payloads, "dotnet.gc.collections"))
            {
                break;
            }
        }

        Assert.Contains("pushgateway.backplane.up", payloads.ToString(), StringComparison.Ordinal);
        Assert.Contains("dotnet.gc.collections", payloads.ToString(), StringComparison.Ordinal);
    }

    private static bool Contains(StringBuilder text, string value) => text.ToString().Contains(value, StringComparison.Ordinal);
}
