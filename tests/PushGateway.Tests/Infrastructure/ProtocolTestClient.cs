using System.Net.WebSockets;
using System.Text.Json;

namespace PushGateway.Tests.Infrastructure;

/// <summary>A real <see cref="ClientWebSocket"/> on <c>/ws</c> that offers the <c>pushgateway.v1.json</c> sub-protocol.</summary>
public sealed class ProtocolTestClient : IDisposable
{
    public const string SubProtocol = "pushgateway.v1.json";

    private ProtocolTestClient(WebSocketTestClient client) => Client = client;

    public WebSocketTestClient Client { get; }

    public static async Task<ProtocolTestClient> ConnectAsync(GatewayFactory gateway, string path = "ws", Action<ClientWebSocketOptions>? configure = null) =>
        new(await WebSocketTestClient.ConnectAsync(gateway, options =>
        {
            options.AddSubProtocol(SubProtocol);
            configure?.Invoke(options);
        }, path));

    public Task SendAsync(string envelope) => Client.SendTextAsync(envelope);

    /// <summary>The next frame's text, exactly as the server sent it.</summary>
    public Task<string> ReceiveTextAsync() => Client.ReceiveTextAsync();

    /// <summary>The next frame, parsed.</summary>
    public async Task<JsonElement> ReceiveAsync()
    {
        using var json = JsonDocument.Parse(await Client.ReceiveTextAsync());
        return json.RootElement.Clone();
    }

    /// <summary>Subscribes and reads the <c>subscribed</c> answer of each topic; returns their <c>resume</c>.</summary>
    public async Task<string[]> SubscribeAsync(string requestId, params string[] topics)
    {
        await SendAsync(JsonSerializer.Serialize(new { type = "subscribe", id = requestId, topics }));
        var resumes = new string[topics.Length];
        for (var i = 0; i < topics.Length; i++)
        {
            var answer = await ReceiveAsync();
            Assert.Equal("subscribed", answer.GetProperty("type").GetString());
            Assert.Equal(requestId, answer.GetProperty("id").GetString());
            Assert.Equal(topics[i], answer.GetProperty("topic").GetString());
            resumes[i] = answer.GetProperty("resume").GetString()!;
        }

        return resumes;
    }

    /// <summary>Reads the next frame, which must be an <c>error</c> answering <paramref name="requestId"/>; returns its code.</summary>
    public async Task<string> ReceiveErrorAsync(string? requestId)
    {
        var error = await ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal(requestId, error.TryGetProperty("id", out var id) ? id.GetString() : null);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error.GetProperty("code").GetString()!;
    }

    /// <summary>A ping answered with its pong: the socket is open and answering, and everything sent before was handled.</summary>
    public async Task PingAsync(string requestId = "ping")
    {
        await SendAsync($$"""{"type":"ping","id":"{{requestId}}"}""");
        Assert.Equal($$"""{"type":"pong","id":"{{requestId}}"}""", await ReceiveTextAsync());
    }

    public void Dispose() => Client.Dispose();
}
