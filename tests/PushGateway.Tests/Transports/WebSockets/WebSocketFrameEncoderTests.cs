using System.Net.WebSockets;
using System.Text;
using PushGateway.Transports.WebSockets;

namespace PushGateway.Tests.Transports.WebSockets;

public sealed class WebSocketFrameEncoderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    public async Task EncodeText_IsReadByTheRuntimesClientAsOneTextMessage(int length)
    {
        var text = new string('é', length / 2) + new string('x', length % 2);
        var frame = WebSocketFrameEncoder.EncodeText(text);
        using var client = WebSocket.CreateFromStream(new MemoryStream(frame), new WebSocketCreationOptions { IsServer = false });

        var buffer = new byte[frame.Length + 1];
        var result = await client.ReceiveAsync(buffer, TestContext.Current.CancellationToken);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.True(result.EndOfMessage);
        Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, result.Count));
        Assert.Equal(Encoding.UTF8.GetBytes(text), WebSocketFrameEncoder.Payload(frame).ToArray());
    }
}
