using System.Net.ServerSentEvents;
using System.Text;
using PushGateway.Transports.ServerSentEvents;

namespace PushGateway.Tests.Transports.ServerSentEvents;

public sealed class SseFrameEncoderTests
{
    [Fact]
    public void EncodeEvent_WritesEventIdAndDataLines()
    {
        var frame = Encoding.UTF8.GetString(SseFrameEncoder.EncodeEvent("chat", "1-2", "hello"));

        Assert.Equal("event: chat\nid: 1-2\ndata: hello\n\n", frame);
    }

    [Theory]
    [InlineData("a\nb", "a\nb")]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("a\rb", "a\nb")]
    [InlineData("trailing\n", "trailing\n")]
    [InlineData("", "")]
    [InlineData("data: in data\n\nblank line above", "data: in data\n\nblank line above")]
    public void EncodeEvent_MultiLineData_ParsesBackWithLineFeeds(string data, string expected)
    {
        var frame = SseFrameEncoder.EncodeEvent("chat", "1-2", data);

        var item = Assert.Single(SseParser.Create(new MemoryStream(frame)).Enumerate());
        Assert.Equal(expected, item.Data);
        Assert.Equal("chat", item.EventType);
        Assert.Equal("1-2", item.EventId);
    }

    [Fact]
    public void EncodeEvent_WithoutId_OmitsTheIdField()
    {
        var frame = Encoding.UTF8.GetString(SseFrameEncoder.EncodeEvent("gap", id: null, "{}"));

        Assert.Equal("event: gap\ndata: {}\n\n", frame);
    }

    [Theory]
    [InlineData("chat\nid: 666", "1-2")]
    [InlineData("chat", "1-2\r")]
    public void EncodeEvent_LineBreakInAField_Throws(string eventType, string id) =>
        Assert.Throws<ArgumentException>(() => SseFrameEncoder.EncodeEvent(eventType, id, "x"));

    [Fact]
    public void EncodeRetryAndComment_AreSingleFieldFrames()
    {
        Assert.Equal("retry: 3000\n\n", Encoding.UTF8.GetString(SseFrameEncoder.EncodeRetry(3000)));
        Assert.Equal(": heartbeat\n\n", Encoding.UTF8.GetString(SseFrameEncoder.EncodeComment("heartbeat")));
    }
}
