using PushGateway.Tests.Transports.WebSockets.Compression;
using PushGateway.Transports.WebSockets;
using static PushGateway.Tests.Infrastructure.ClientFrame;

namespace PushGateway.Tests.Transports.WebSockets;

public sealed class ClientFrameValidatorTests
{
    private static readonly byte[] Good = Build(Fin | Text, "hello"u8);

    /// <summary>A bad frame, after the frames (valid on their own) it breaks the rules with, and how it breaks them.</summary>
    public static TheoryData<byte[], byte[], string> BadFrames => new()
    {
        { [], Build(Fin | Text, "hello"u8, masked: false), "unmasked frame" },
        { [], Build(Fin | Close, [], masked: false), "unmasked frame" },
        { [], Build(Fin | Ping, [], masked: false), "unmasked frame" },
        { [], Build(Fin | Pong, [], masked: false), "unmasked frame" },
        { [], Build(Text, "h"u8, masked: false), "unmasked frame" },
        { Build(Text, "h"u8), Build(Fin | Continuation, "i"u8, masked: false), "unmasked frame" },
        { [], Build(Fin | 0x40 | Text, "x"u8), "reserved bits set" },
        { [], Build(Fin | 0x10 | Close, []), "reserved bits set" },
        { [], Build(Fin | 0x3, []), "reserved opcode 0x3" },
        { [], Build(Fin | 0xF, []), "reserved opcode 0xF" },
        { [], Build(Fin | Ping, new byte[126]), "control frame longer than 125 bytes" },
        { [], Build(Ping, []), "fragmented control frame" },
        { [], Build(Fin | Continuation, "x"u8), "continuation frame without a message to continue" },
        { Build(Binary, "a"u8), Build(Fin | Text, "b"u8), "new message before the fragmented one ended" },
        { [], [Fin | Text, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4], "payload length over 2^63" },
        { [], Build(Fin | Close, [3]), "close frame with a 1-byte payload" },
    };

    [Fact]
    public void Advance_WellFormedFrames_PassesEveryByte()
    {
        byte[] frames =
        [
            .. Build(Text, "hel"u8),
            .. Build(Fin | Ping, "in between"u8),
            .. Build(Fin | Continuation, "lo"u8),
            .. Build(Fin | Binary, new byte[300]),
            .. Build(Fin | Text, new byte[70_000]),
            .. Build(Fin | Text, "minimal length or not"u8, lengthBytes: 8),
            .. Build(Fin | Pong, []),
            .. Build(Fin | Close, ClosePayload(1000, "bye"u8)),
        ];
        var validator = new ClientFrameValidator();

        Assert.Equal(frames.Length, validator.Advance(frames));
        Assert.Null(validator.Violation);
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void Advance_BadFrameAfterGoodOnes_PassesOnlyTheGoodOnes(byte[] before, byte[] bad, string violation)
    {
        var validator = new ClientFrameValidator();

        Assert.Equal(Good.Length + before.Length, validator.Advance([.. Good, .. before, .. bad, .. Good]));
        Assert.Equal(violation, validator.Violation);
        Assert.Equal(0, validator.Advance(Good));
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void Advance_OneByteAtATime_FindsTheBadFrameAtTheByteThatBreaksIt(byte[] before, byte[] bad, string violation)
    {
        var validator = new ClientFrameValidator();
        byte[] bytes = [.. Good, .. before, .. bad];

        var passed = 0;
        for (var at = 0; at < bytes.Length && validator.Violation is null; at++)
        {
            passed += validator.Advance(bytes.AsSpan(at, 1));
        }

        Assert.Equal(violation, validator.Violation);
        // Every byte of the good frames went up, none of the bad one's past its fault (a header begun in an earlier read is not taken back).
        Assert.InRange(passed, Good.Length + before.Length, Good.Length + before.Length + MaxHeaderBytesBeforeTheBreak(violation));
    }

    [Fact]
    public void Advance_LongPayloadSplitAcrossReads_FindsTheNextHeader()
    {
        byte[] bytes = [.. Build(Fin | Binary, new byte[70_000]), .. Build(Fin | Close, [], masked: false)];
        var validator = new ClientFrameValidator();

        var passed = 0;
        foreach (var chunk in bytes.Chunk(4096))
        {
            passed += validator.Advance(chunk);
        }

        Assert.Equal("unmasked frame", validator.Violation);
        Assert.Equal(bytes.Length - 2, passed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Advance_CompressedMessagesInPieces_PassesEveryByteWithPerMessageDeflate(int readBytes)
    {
        // A fragmented compressed message with a ping inside it, then one in a single frame; each masked with its own key.
        var deflated = PerMessageDeflateTests.Deflate(string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"n\":{i}}}")));
        byte[] bytes =
        [
            .. Build(0x40 | Text, deflated.AsSpan(0, 101)),
            .. Build(Fin | Ping, "in between"u8),
            .. Build(Fin | Continuation, deflated.AsSpan(101)),
            .. Build(Fin | 0x40 | Text, PerMessageDeflateTests.Deflate("second")),
        ];
        var validator = new ClientFrameValidator(inflateLimit: 1 << 20);

        var passed = bytes.Chunk(readBytes).Sum(chunk => validator.Advance(chunk));

        Assert.Null(validator.Violation);
        Assert.Equal(bytes.Length, passed);
    }

    /// <summary>How far into the bad frame's header its fault lies: the bytes before it went up one read at a time.</summary>
    private static int MaxHeaderBytesBeforeTheBreak(string violation) => violation switch
    {
        "unmasked frame" or "control frame longer than 125 bytes" or "close frame with a 1-byte payload" => 1,
        "payload length over 2^63" => 2,
        _ => 0,
    };
}
