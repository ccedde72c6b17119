using System.Text;
using PushGateway.Hub;
using PushGateway.Transports.ServerSentEvents;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Tests.Hub;

/// <summary>A message is encoded once per format it is read in, lazily, and every reader gets the same bytes.</summary>
public sealed class GatewayMessageTests
{
    [Fact]
    public void EncodedAs_ManyReaders_EncodesOncePerFormatAndSharesTheBytes()
    {
        var message = GatewayMessage.Create(new MessagePosition(1, 7), new MessageDraft(["chat"], EventTypes.Chat, "hi"));
        var first = new Counted("first");
        var second = new Counted("second");
        Assert.Equal(0, first.Encodings); // made lazily: a format nobody reads is never encoded

        var bytes = Enumerable.Range(0, 100).Select(_ => message.EncodedAs(first.Format)).ToList();
        var other = message.EncodedAs(second.Format);

        Assert.Equal(1, first.Encodings);
        Assert.Equal(1, second.Encodings);
        Assert.All(bytes, b => Assert.True(b.Span == bytes[0].Span, "a reader got other bytes"));
        Assert.Equal("first:1-7", Encoding.UTF8.GetString(bytes[0].Span));
        Assert.Equal("second:1-7", Encoding.UTF8.GetString(other.Span));
    }

    [Fact]
    public async Task EncodedAs_ReadersArrivingWhileTheFirstEncodes_WaitForItsBytesInsteadOfEncodingAgain()
    {
        // The first encoding lasts until every reader is on its way into EncodedAs: they arrive while it runs (an
        // encoding can be a compression, costlier than the wait).
        const int Readers = 8;
        var calling = 0;
        var counted = new Counted("slow", () =>
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref calling) == Readers, TimeSpan.FromSeconds(30)), "the readers never came"));
        var message = GatewayMessage.Create(new MessagePosition(1, 1), new MessageDraft(["chat"], EventTypes.Chat, "hi"));

        var frames = await Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => Task.Run(
            () =>
            {
                Interlocked.Increment(ref calling);
                return message.EncodedAs(counted.Format);
            },
            TestContext.Current.CancellationToken)));

        Assert.Equal(1, counted.Encodings);
        Assert.All(frames, frame => Assert.True(frame.Span == frames[0].Span, "a reader got other bytes"));
    }

    [Fact]
    public void EncodedAs_TheTransportsFormats_AreTheWireFrames()
    {
        var message = GatewayMessage.Create(new MessagePosition(3, 4), new MessageDraft(["chat"], "update", "a\nb") { RetryMilliseconds = 500 });

        Assert.Equal("event: update\nid: 3-4\nretry: 500\ndata: a\ndata: b\n\n", Encoding.UTF8.GetString(message.EncodedAs(SseFrameEncoder.Format).Span));
        Assert.Equal([0x81, 3, (byte)'a', (byte)'\n', (byte)'b'], message.EncodedAs(WebSocketFrameEncoder.TextFormat).ToArray());
        Assert.Equal("a\nb", Encoding.UTF8.GetString(WebSocketFrameEncoder.PayloadOf(message).Span));
    }

    /// <summary>A format that counts its encodings.</summary>
    private sealed class Counted
    {
        private int _encodings;

        public Counted(string name, Action? whileEncoding = null) =>
            Format = new MessageFormat(name, message =>
            {
                Interlocked.Increment(ref _encodings);
                whileEncoding?.Invoke();
                return Encoding.UTF8.GetBytes($"{name}:{message.EventId}");
            });

        public MessageFormat Format { get; }

        public int Encodings => Volatile.Read(ref _encodings);
    }
}
