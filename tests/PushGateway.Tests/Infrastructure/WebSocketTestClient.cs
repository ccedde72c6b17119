using System.Net.WebSockets;
using System.Text;

namespace PushGateway.Tests.Infrastructure;

/// <summary>A real <see cref="ClientWebSocket"/> connected to <c>/ws</c>, with text helpers.</summary>
public sealed class WebSocketTestClient : IDisposable
{
    private WebSocketTestClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static Task<WebSocketTestClient> ConnectAsync(
        GatewayFactory gateway, Action<ClientWebSocketOptions>? configure = null, string path = "ws") =>
        ConnectAsync(new Uri(gateway.WebSocketAddress, path), configure);

    /// <summary>Connects to <paramref name="address"/>: a gateway's <c>/ws</c>, or a proxy's in front of one.</summary>
    public static async Task<WebSocketTestClient> ConnectAsync(Uri address, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(address, TestTimeout.Token());
        return new WebSocketTestClient(socket);
    }

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, TestTimeout.Token());

    /// <summary>The next whole message; fails the test on a close frame.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        var (type, payload) = await ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>Reads until the server's close frame, skipping messages; returns its status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveCloseAsync()
    {
        while (true)
        {
            var (type, _) = await ReceiveAsync();
            if (type == WebSocketMessageType.Close)
            {
                return (Socket.CloseStatus, Socket.CloseStatusDescription);
            }
        }
    }

    /// <summary>
    /// Reads past any messages still on their way until the connection ends: the close status the server sent,
    /// or null when the connection broke without a close frame.
    /// </summary>
    public async Task<WebSocketCloseStatus?> EndsAsync()
    {
        try
        {
            while ((await ReceiveAsync()).Type != WebSocketMessageType.Close)
            {
            }
        }
        catch (WebSocketException)
        {
            return null;
        }

        return Socket.CloseStatus;
    }

    public async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync()
    {
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, TestTimeout.Token());
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    public void Dispose() => Socket.Dispose();
}
