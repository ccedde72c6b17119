using System.Diagnostics.Metrics;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Tests.Infrastructure;
using static PushGateway.Tests.Infrastructure.ClientFrame;

namespace PushGateway.Tests.Transports.WebSockets.Compression;

/// <summary>
/// permessage-deflate on <c>/ws</c> with compression on (a 256-byte threshold): what is negotiated with which offer,
/// what goes on the wire (read raw: RSV1 and the deflated payload), that real .NET clients read it, that a message is
/// compressed once for all its subscribers, and what a client that sends bad compressed frames gets.
/// </summary>
public sealed class PerMessageDeflateTests(PerMessageDeflateTests.Gateway gateway) : IClassFixture<PerMessageDeflateTests.Gateway>
{
    private const string Agreed = "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover";

    private static readonly TimeSpan EndsWithin = TimeSpan.FromSeconds(10);

    /// <summary>About 4 KiB of JSON, as a publisher would send it.</summary>
    public static string Json4K { get; } = JsonSerializer.Serialize(new
    {
        items = Enumerable.Range(0, 64).Select(i => new { id = i, name = $"item {i}", price = i * 1.25, tags = new[] { "alpha", "beta" } }),
    });

    [Fact]
    public async Task DeflateClient_BroadcastsAboveAndBelowTheThreshold_ReadsEachExactly()
    {
        Assert.InRange(Encoding.UTF8.GetByteCount(Json4K), 3500, 4500);
        using var sender = await ConnectDeflateAsync();
        using var receiver = await ConnectDeflateAsync();
        Assert.Equal(
            "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
            receiver.Socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"].Single());

        // The sender's own message is compressed by its client and inflated by the gateway's WebSocket, then compressed again for everyone.
        foreach (var text in new[] { Json4K, "short", Json4K + " again" })
        {
            await sender.SendTextAsync(text);
            Assert.Equal(text, await receiver.ReceiveTextAsync());
            Assert.Equal(text, await sender.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task RawWire_CompressingSocket_Rsv1AboveTheThresholdAndClearBelow()
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory, "/ws?topic=chat", extensions: "permessage-deflate; client_max_window_bits");
        Assert.Contains(Agreed, client.ResponseHead, StringComparison.Ordinal);
        var below = new string('x', 255);
        var above = new string('y', 256);

        gateway.Factory.Hub.Publish(BuiltInTopics.Chat, "message", below);
        gateway.Factory.Hub.Publish(BuiltInTopics.Chat, "message", above);
        gateway.Factory.Hub.Publish(BuiltInTopics.Chat, "message", Json4K);

        var plain = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
        Assert.Equal(0x81, plain.First);
        Assert.Equal(below, Encoding.UTF8.GetString(plain.Payload));
        foreach (var text in new[] { above, Json4K })
        {
            var compressed = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
            Assert.Equal(0xC1, compressed.First);
            Assert.True(compressed.Payload.Length < Encoding.UTF8.GetByteCount(text) / 2, $"{compressed.Payload.Length} bytes");
            Assert.False(compressed.Payload.AsSpan().EndsWith((byte[])[0x00, 0x00, 0xFF, 0xFF]), "the sync flush's tail is left off (RFC 7692 §7.2.1)");
            Assert.Equal(text, Inflate(compressed.Payload));
        }
    }

    [Fact]
    public async Task OneMessage_FiveCompressingSubscribers_CompressedOnce()
    {
        // A gateway of its own: sockets of other tests, still closing, would compress their messages late.
        await using var own = new Gateway();
        using var compressed = CollectCompressed(own.Factory);
        var clients = new List<WebSocketTestClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                clients.Add(await ConnectDeflateAsync(own.Factory));
            }

            own.Factory.Hub.Publish(BuiltInTopics.Chat, "message", Json4K);

            foreach (var client in clients)
            {
                Assert.Equal(Json4K, await client.ReceiveTextAsync());
            }

            var once = Assert.Single(compressed.GetMeasurementSnapshot());
            Assert.Equal(1, once.Value);
            Assert.Equal("ws-text+deflate", once.Tags["format"]);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task SubProtocol_DeflateClient_ReadsCompressedEnvelopes()
    {
        using var metrics = CollectCompressed(gateway.Factory);
        using var client = await ProtocolTestClient.ConnectAsync(gateway.Factory, configure: options =>
        {
            options.CollectHttpResponseDetails = true;
            options.DangerousDeflateOptions = new WebSocketDeflateOptions { ClientContextTakeover = false, ServerContextTakeover = false };
        });
        Assert.Equal(
            "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
            client.Client.Socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"].Single());
        await client.SubscribeAsync("s1", "deflate/news");

        gateway.Factory.Hub.Publish("deflate/news", "update", Json4K);
        gateway.Factory.Hub.Publish("deflate/news", "update", "small");

        foreach (var data in new[] { Json4K, "small" })
        {
            var message = await client.ReceiveAsync();
            Assert.Equal("message", message.GetProperty("type").GetString());
            Assert.Equal(data, message.GetProperty("data").GetString());
        }

        // Only the envelope above the threshold was deflated (chat messages of other tests are another format).
        Assert.Single(metrics.GetMeasurementSnapshot(), measurement => (string?)measurement.Tags["format"] == "ws-json+deflate");
    }

    [Fact]
    public async Task CompressionOff_ClientOffersDeflate_NoExtensionAndPlainFrames()
    {
        await using var plain = new GatewayFactory(new Dictionary<string, string?> { ["PushGateway:Ticker:Enabled"] = "false" });
        using var client = await RawWebSocket.ConnectAsync(plain, "/ws?topic=chat", extensions: "permessage-deflate; client_max_window_bits");

        Assert.DoesNotContain("Sec-WebSocket-Extensions", client.ResponseHead, StringComparison.OrdinalIgnoreCase);
        plain.Hub.Publish(BuiltInTopics.Chat, "message", Json4K);
        var frame = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
        Assert.Equal(0x81, frame.First);
        Assert.Equal(Json4K, Encoding.UTF8.GetString(frame.Payload));
    }

    /// <summary>Offers and whether the gateway agrees; declined ones still connect, uncompressed.</summary>
    public static TheoryData<string, bool> Offers => new()
    {
        { "permessage-deflate", true },
        { "permessage-deflate; client_max_window_bits", true },
        { "permessage-deflate; client_max_window_bits=10; server_no_context_takeover", true },
        { "permessage-deflate; server_max_window_bits=15", true },
        { "permessage-deflate; server_max_window_bits=\"15\"", true },
        { "permessage-deflate; server_max_window_bits=10", false },
        { "permessage-deflate; server_max_window_bits=10, permessage-deflate", true },
        { "permessage-deflate; server_max_window_bits", false },
        { "permessage-deflate; client_no_context_takeover; client_no_context_takeover", false },
        { "permessage-deflate; client_max_window_bits=16", false },
        { "permessage-deflate; mystery", false },
        { "permessage-deflate; server_no_context_takeover=1", false },
        { "x-webkit-deflate-frame", false },
    };

    [Theory]
    [MemberData(nameof(Offers))]
    public async Task Offer_AgreedOnlyWhenItCanBeHonoured_DeclinedOnesConnectUncompressed(string offer, bool agreed)
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory, "/ws?topic=chat", extensions: offer);

        Assert.Equal(agreed, client.ResponseHead.Contains(Agreed, StringComparison.Ordinal));
        Assert.Equal(agreed, client.ResponseHead.Contains("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase));
        gateway.Factory.Hub.Publish(BuiltInTopics.Chat, "message", Json4K);
        var frame = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
        Assert.Equal(agreed ? 0xC1 : 0x81, frame.First);
        Assert.Equal(Json4K, agreed ? Inflate(frame.Payload) : Encoding.UTF8.GetString(frame.Payload));
    }

    /// <summary>Compressed frames a deflating client must not send, the close code they get and its reason.</summary>
    public static TheoryData<string, byte[], int, string> Malformed => new()
    {
        { "payload that is not deflate data", Build(Fin | 0x40 | Text, [0xFF, 0xFF, 0xFF, 0xFF, 0x01]), 1002, "protocol error: invalid compressed data" },
        // After a sync flush's stored block header come its lengths, which these bytes get wrong.
        { "valid deflate data, then garbage", Build(Fin | 0x40 | Text, [.. Deflate("ab"), 0xFF, 0xFF, 0xFF, 0x01]), 1002, "protocol error: invalid compressed data" },
        { "garbage in a message not yet ended", Build(0x40 | Text, [0xFF, 0xFF, 0xFF, 0xFF, 0x01]), 1002, "protocol error: invalid compressed data" },
        { "garbage in the second fragment", [.. Build(0x40 | Text, Deflate("ab")), .. Build(Fin | Continuation, [0xFF, 0xFF, 0xFF])], 1002, "protocol error: invalid compressed data" },
        // A few hundred bytes that inflate to 10 MB: stopped at the limit, before the runtime's WebSocket inflates the rest.
        { "a message that inflates past MaxMessageBytes", Build(0x40 | Text, Deflate(new string('a', 10_000_000))), 1009, "message exceeds 65536 bytes" },
        { "RSV1 on a continuation frame", [.. Build(0x40 | Text, Deflate("ab")), .. Build(Fin | 0x40 | Continuation, [0x00])], 1002, "protocol error: RSV1 on a continuation frame" },
        { "RSV1 on a ping", Build(Fin | 0x40 | Ping, []), 1002, "protocol error: RSV1 on a control frame" },
        { "RSV2", Build(Fin | 0x20 | Text, "x"u8), 1002, "protocol error: reserved bits set" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Send_BadCompressedFrame_ClosedWithACodeAndReason(string name, byte[] frames, int code, string reason)
    {
        using var bystander = await ConnectDeflateAsync();
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory, "/ws?topic=chat", extensions: "permessage-deflate");
        Assert.Contains(Agreed, client.ResponseHead, StringComparison.Ordinal);

        await client.SendAsync(frames);

        Assert.Equal((code, reason), await client.ReadCloseAsync());
        await client.TrySendAsync(Build(Fin | Close, ClosePayload(1000)));
        await client.EndsAsync().WaitAsync(EndsWithin, TestContext.Current.CancellationToken);
        Assert.Empty(gateway.Factory.Logs.Errors);
        await bystander.SendTextAsync($"after {name}");
        Assert.Equal($"after {name}", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Send_DeflateBombNeverClosed_1009AndTheConnectionEndsWithoutWaitingForTheClient()
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory, "/ws?topic=chat", extensions: "permessage-deflate");

        // Caught on its way in, nothing more is read from the client: no close answer to wait for (the clock never moves).
        await client.SendAsync(Build(Fin | 0x40 | Text, Deflate(new string('a', 10_000_000))));

        Assert.Equal((1009, "message exceeds 65536 bytes"), await client.ReadCloseAsync());
        await client.EndsAsync().WaitAsync(EndsWithin, TestContext.Current.CancellationToken);
        Assert.Empty(gateway.Factory.Logs.Errors);
    }

    [Fact]
    public async Task Send_CompressedMessageFromARawClient_IsInflatedAndBroadcast()
    {
        using var receiver = await ConnectDeflateAsync();
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory, "/ws?topic=chat", extensions: "permessage-deflate");

        await client.SendAsync(Build(Fin | 0x40 | Text, Deflate(Json4K)));

        Assert.Equal(Json4K, await receiver.ReceiveTextAsync());
    }

    /// <summary>A permessage-deflate payload: raw deflate with the sync flush's tail put back (RFC 7692 §7.2.2), inflated.</summary>
    internal static string Inflate(byte[] payload)
    {
        using var deflate = new DeflateStream(new MemoryStream([.. payload, 0x00, 0x00, 0xFF, 0xFF]), CompressionMode.Decompress);
        using var text = new StreamReader(deflate, Encoding.UTF8);
        return text.ReadToEnd();
    }

    /// <summary>What a deflating client sends for <paramref name="text"/>: its sync-flushed deflate data without the tail.</summary>
    internal static byte[] Deflate(string text)
    {
        using var output = new MemoryStream();
        using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
        deflate.Write(Encoding.UTF8.GetBytes(text));
        deflate.Flush();
        return output.ToArray()[..^4];
    }

    private static MetricCollector<long> CollectCompressed(GatewayFactory factory) =>
        new(factory.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "pushgateway.websocket.compressed");

    private Task<WebSocketTestClient> ConnectDeflateAsync(GatewayFactory? factory = null) => WebSocketTestClient.ConnectAsync(factory ?? gateway.Factory, options =>
    {
        options.CollectHttpResponseDetails = true;
        options.DangerousDeflateOptions = new WebSocketDeflateOptions { ClientContextTakeover = false, ServerContextTakeover = false };
    });

    public sealed class Gateway : IAsyncDisposable
    {
        public GatewayFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["PushGateway:WebSockets:Compression:Enabled"] = "true",
            ["PushGateway:WebSockets:MaxMessageBytes"] = "65536",
            ["PushGateway:Ticker:Enabled"] = "false",
        });

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }
}
