using System.Text;
using PushGateway.Tests.Infrastructure;
using static PushGateway.Tests.Infrastructure.ClientFrame;

namespace PushGateway.Tests.Transports.WebSockets;

/// <summary>
/// The WebSocket part of the standing abuse suite: raw sockets upgrade on <c>/ws</c> and send frames
/// no well-behaved client sends. Each gets the close code RFC 6455 asks for, read from the socket,
/// and the connection ends promptly (the clock never moves: no timeout is involved), nothing is
/// logged as an error, and a client beside it carries on.
/// </summary>
public sealed class MalformedFrameTests(MalformedFrameTests.Gateway gateway) : IClassFixture<MalformedFrameTests.Gateway>
{
    private const string Unmasked = "protocol error: unmasked frame";

    /// <summary>Generous for a loaded machine; a connection left to a timeout would take forever, the clock being fake.</summary>
    private static readonly TimeSpan EndsWithin = TimeSpan.FromSeconds(10);

    /// <summary>Frames, the close code they get, and its reason (the runtime's WebSocket gives none).</summary>
    public static TheoryData<string, byte[], int, string> Malformed => new()
    {
        { "unmasked text", Build(Fin | Text, "hello"u8, masked: false), 1002, Unmasked },
        { "unmasked first fragment", Build(Text, "hi"u8, masked: false), 1002, Unmasked },
        { "unmasked binary", Build(Fin | Binary, [1, 2, 3], masked: false), 1002, Unmasked },
        { "unmasked continuation", [.. Build(Text, "hel"u8), .. Build(Fin | Continuation, "lo"u8, masked: false)], 1002, Unmasked },
        { "unmasked close", Build(Fin | Close, [], masked: false), 1002, Unmasked },
        { "unmasked close with a code", Build(Fin | Close, ClosePayload(1000), masked: false), 1002, Unmasked },
        { "unmasked ping", Build(Fin | Ping, [], masked: false), 1002, Unmasked },
        { "unmasked pong", Build(Fin | Pong, "p"u8, masked: false), 1002, Unmasked },
        { "RSV1 (no extension negotiated)", Build(Fin | 0x40 | Text, "x"u8), 1002, "protocol error: reserved bits set" },
        { "RSV2", Build(Fin | 0x20 | Text, "x"u8), 1002, "protocol error: reserved bits set" },
        { "RSV3 on a ping", Build(Fin | 0x10 | Ping, []), 1002, "protocol error: reserved bits set" },
        { "reserved data opcode", Build(Fin | 0x3, "x"u8), 1002, "protocol error: reserved opcode 0x3" },
        { "reserved control opcode", Build(Fin | 0xB, []), 1002, "protocol error: reserved opcode 0xB" },
        { "ping over 125 bytes", Build(Fin | Ping, new byte[126]), 1002, "protocol error: control frame longer than 125 bytes" },
        { "close over 125 bytes", Build(Fin | Close, ClosePayload(1000, new byte[124])), 1002, "protocol error: control frame longer than 125 bytes" },
        { "fragmented ping", Build(Ping, "x"u8), 1002, "protocol error: fragmented control frame" },
        { "continuation without a start", Build(Fin | Continuation, "x"u8), 1002, "protocol error: continuation frame without a message to continue" },
        { "text inside a fragmented message", [.. Build(Text, "a"u8), .. Build(Fin | Text, "b"u8)], 1002, "protocol error: new message before the fragmented one ended" },
        { "64-bit length with the high bit set", [Fin | Text, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4], 1002, "protocol error: payload length over 2^63" },
        { "close with a 1-byte payload", Build(Fin | Close, [3]), 1002, "protocol error: close frame with a 1-byte payload" },
        { "close code 999", Build(Fin | Close, ClosePayload(999)), 1002, "" },
        { "close code 1005 (no status, never sent)", Build(Fin | Close, ClosePayload(1005)), 1002, "" },
        { "close code 1006 (abnormal, never sent)", Build(Fin | Close, ClosePayload(1006)), 1002, "" },
        { "close code 1016 (unassigned)", Build(Fin | Close, ClosePayload(1016)), 1002, "" },
        { "close code 5000", Build(Fin | Close, ClosePayload(5000)), 1002, "" },
        { "close reason not UTF-8", Build(Fin | Close, ClosePayload(1000, [0xC3, 0x28])), 1002, "" },
        { "text not UTF-8", Build(Fin | Text, [0x68, 0xC3, 0x28]), 1007, "" },
        { "text not UTF-8 across fragments", [.. Build(Text, [0x68, 0xC3]), .. Build(Fin | Continuation, [0x28])], 1007, "" },
        { "text ending mid-character", Build(Fin | Text, [0x68, 0xE2, 0x82]), 1007, "" },
        { "message over the limit in fragments", [.. Build(Text, new byte[40]), .. Build(Fin | Continuation, new byte[40])], 1009, "message exceeds 64 bytes" },
        { "message over the limit in one frame", Build(Fin | Text, new byte[65]), 1009, "message exceeds 64 bytes" },
        { "binary message", Build(Fin | Binary, [1, 2]), 1003, "binary messages are not accepted" },
        { "fragmented binary message", [.. Build(Binary, [1]), .. Build(Fin | Continuation, [2])], 1003, "binary messages are not accepted" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Send_MalformedFrame_ClosedWithItsCodeAndEndsPromptly(string name, byte[] frames, int code, string reason)
    {
        using var bystander = await WebSocketTestClient.ConnectAsync(gateway.Factory);
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory);

        await client.SendAsync(frames);

        Assert.Equal((code, reason), await client.ReadCloseAsync());
        // What a client does on a close frame: answer it (the server may have closed its end already).
        await client.TrySendAsync(Build(Fin | Close, ClosePayload(1000)));
        Assert.Equal(StreamEnd.Completed, await client.EndsAsync().WaitAsync(EndsWithin, TestContext.Current.CancellationToken));
        Assert.Empty(gateway.Factory.Logs.Errors);
        await bystander.SendTextAsync($"after {name}");
        Assert.Equal($"after {name}", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Send_LengthInMoreBytesThanNeeded_IsAcceptedAsTheRuntimeDoes()
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory);

        await client.SendAsync((byte[])[.. Build(Fin | Text, "16-bit length"u8, lengthBytes: 2), .. Build(Fin | Text, "64-bit length"u8, lengthBytes: 8)]);

        foreach (var text in new[] { "16-bit length", "64-bit length" })
        {
            var frame = await client.ReadFrameAsync();
            Assert.Equal(text, Encoding.UTF8.GetString(Assert.IsType<ServerFrame>(frame).Payload));
        }
    }

    [Fact]
    public async Task Send_Ping_IsAnsweredWithItsPayloadAndTheSocketStaysOpen()
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory);

        await client.SendAsync((byte[])[.. Build(Fin | Ping, new byte[125]), .. Build(Fin | Text, "still open"u8)]);

        var pong = Assert.IsType<ServerFrame>(await client.ReadFrameAsync());
        Assert.Equal((Pong, 125), (pong.Opcode, pong.Payload.Length));
        Assert.Equal("still open", Encoding.UTF8.GetString(Assert.IsType<ServerFrame>(await client.ReadFrameAsync()).Payload));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(3000)]
    [InlineData(4999)]
    public async Task Send_CloseWithAValidCode_IsAnsweredWithThatCode(int code)
    {
        using var client = await RawWebSocket.ConnectAsync(gateway.Factory);

        await client.SendAsync(Build(Fin | Close, ClosePayload((ushort)code, "bye"u8)));

        Assert.Equal((code, "closed by client"), await client.ReadCloseAsync());
        Assert.Equal(StreamEnd.Completed, await client.EndsAsync().WaitAsync(EndsWithin, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Send_TextNotUtf8_1007ArrivesEveryTime()
    {
        // The runtime's WebSocket fails these itself and is then aborted: an abort that cut the connection off
        // would drop the close frame still in its buffers, now and then. Again and again, so that it shows.
        for (var attempt = 0; attempt < 30; attempt++)
        {
            using var client = await RawWebSocket.ConnectAsync(gateway.Factory);

            await client.SendAsync(Build(Fin | Text, [0xFF]));

            Assert.Equal((1007, ""), await client.ReadCloseAsync());
            await client.TrySendAsync(Build(Fin | Close, ClosePayload(1000)));
            Assert.Equal(StreamEnd.Completed, await client.EndsAsync().WaitAsync(EndsWithin, TestContext.Current.CancellationToken));
        }
    }

    public sealed class Gateway : IDisposable
    {
        public GatewayFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["PushGateway:WebSockets:MaxMessageBytes"] = "64",
            ["PushGateway:Ticker:Enabled"] = "false",
        });

        public void Dispose() => Factory.Dispose();
    }
}
