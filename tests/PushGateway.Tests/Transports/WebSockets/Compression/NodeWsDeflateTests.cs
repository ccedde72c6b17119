using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Transports.WebSockets.Compression;

/// <summary>
/// The Node <c>ws</c> package (8.23.0, tests/PushGateway.Tests/node/ws-deflate.mjs) with its default permessage-deflate
/// offer against <c>/ws</c> with compression on: the extension it agrees to, a compressed 4 KiB JSON message it
/// inflates, and one it compresses itself that the gateway inflates and broadcasts.
/// </summary>
public sealed class NodeWsDeflateTests(PerMessageDeflateTests.Gateway gateway) : IClassFixture<PerMessageDeflateTests.Gateway>
{
    [Fact]
    public async Task NodeWs_PerMessageDeflate_ReadsA4KiBJsonMessageAndSendsOneCompressed()
    {
        var sent = PerMessageDeflateTests.Json4K.Replace("item", "node", StringComparison.Ordinal);
        using var node = NodeScript.StartWithPackages("ws-deflate.mjs", new Uri(gateway.Factory.WebSocketAddress, "?topic=chat").ToString(), "2", sent);

        var open = await node.NextAsync(line => line.GetProperty("type").GetString() == "open");
        Assert.Equal("permessage-deflate", open.GetProperty("extensions").GetString());
        Assert.Equal("permessage-deflate; client_no_context_takeover; server_no_context_takeover", open.GetProperty("header").GetString());
        gateway.Factory.Hub.Publish(BuiltInTopics.Chat, "message", PerMessageDeflateTests.Json4K);

        var received = new[]
        {
            await node.NextAsync(line => line.GetProperty("type").GetString() == "message"),
            await node.NextAsync(line => line.GetProperty("type").GetString() == "message"),
        };
        Assert.All(received, message => Assert.False(message.GetProperty("binary").GetBoolean()));
        Assert.Equal(
            new[] { PerMessageDeflateTests.Json4K, sent }.Order(StringComparer.Ordinal),
            received.Select(message => message.GetProperty("data").GetString()).Order(StringComparer.Ordinal));
        await node.WaitForExitAsync();
        Assert.Equal(0, node.ExitCode);
    }
}
