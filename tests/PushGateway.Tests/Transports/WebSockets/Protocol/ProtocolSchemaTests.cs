using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets.Protocol;

/// <summary>docs/pushgateway.v1.schema.json against what the server sends and what docs/protocol.md shows.</summary>
public sealed partial class ProtocolSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "pushgateway.v1.schema.json")));

    [Fact]
    public void EveryExampleInTheProtocolDocument_IsValid()
    {
        var examples = JsonBlock().Matches(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "protocol.md"))).Select(match => match.Groups[1].Value).ToList();

        Assert.True(examples.Count >= 12, $"{examples.Count} examples");
        Assert.All(examples, AssertValid);
    }

    [Fact]
    public void AFrameOfAnUnknownTypeOrWithoutARequiredField_IsNotValid()
    {
        Assert.All(
            [
                """{"type":"teleport"}""",
                """{"type":"subscribe","id":"s1"}""",
                """{"type":"subscribed","id":"s1","topic":"news","resume":"maybe"}""",
                """{"type":"publish","topics":["bad topic"],"data":""}""",
            ],
            frame => Assert.False(Evaluate(frame).IsValid, frame));
    }

    [Fact]
    public async Task EveryFrameTheServerSends_IsValid()
    {
        var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Hub:HistorySize"] = "2" });
        using var client = await ProtocolTestClient.ConnectAsync(gateway);
        var old = gateway.Hub.Publish("news", "message", "old");
        gateway.Hub.Publish("news", "message", "1");
        gateway.Hub.Publish("news", "message", "2");
        var frames = new List<string>();

        async Task ExchangeAsync(string request, int answers)
        {
            await client.SendAsync(request);
            for (var i = 0; i < answers; i++)
            {
                frames.Add(await client.ReceiveTextAsync());
            }
        }

        await ExchangeAsync("""{"type":"ping","id":"k"}""", 1);
        await ExchangeAsync("""{"type":"subscribe","id":"s1","topics":["live"]}""", 1);
        await ExchangeAsync($$"""{"type":"subscribe","id":"s2","topics":[{"topic":"news","lastEventId":"{{old.EventId}}"}]}""", 3);
        gateway.Hub.Publish(new MessageDraft(["live", "other"], "score", "1–0") { RetryMilliseconds = 100 });
        frames.Add(await client.ReceiveTextAsync());
        await ExchangeAsync("""{"type":"publish","id":"p","topics":["quiet"],"data":"x"}""", 1);
        await ExchangeAsync("""{"type":"refresh","id":"r","token":"t"}""", 1);
        await ExchangeAsync("""{"type":"unsubscribe","id":"u","topics":["live"]}""", 1);
        await ExchangeAsync("""{"type":"unsubscribe","id":"u","topics":["live"]}""", 1);
        await ExchangeAsync("not json", 1);
        var stopping = gateway.DisposeAsync().AsTask();
        frames.Add(await client.ReceiveTextAsync());
        await client.Client.ReceiveCloseAsync();
        await client.Client.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, TestTimeout.Token());
        await stopping.WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);

        Assert.Equal(
            ["pong", "subscribed", "subscribed", "message", "message", "message", "ack", "ack", "unsubscribed", "error", "error", "reconnect"],
            frames.Select(frame => JsonDocument.Parse(frame).RootElement.GetProperty("type").GetString()));
        Assert.All(frames, AssertValid);
    }

    private static void AssertValid(string frame)
    {
        var result = Evaluate(frame);
        Assert.True(result.IsValid, $"{frame}: {string.Join("; ", (result.Details ?? []).Where(detail => detail.Errors is not null).SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation} {error.Value}")))}");
    }

    private static EvaluationResults Evaluate(string frame) =>
        Schema.Evaluate(JsonDocument.Parse(frame).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
