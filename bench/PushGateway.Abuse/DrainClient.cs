using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;

namespace PushGateway.Abuse;

/// <summary>
/// A client of the node being stopped that reconnects as browsers do: a WebSocket client at once when its
/// socket closes, an <c>EventSource</c> after the reconnection time the stream last set (<c>retry:</c>). It
/// reconnects to the other node (as a load balancer would send it there) and records when its connection
/// ended and when the other node took it.
/// </summary>
internal sealed class DrainClient(bool webSocket, HttpMessageInvoker invoker, Uri stopping, Uri other)
{
    private static readonly TimeSpan RefusedPause = TimeSpan.FromSeconds(1);
    private ClientWebSocket? _socket;
    private HttpResponseMessage? _stream;
    private Task _run = Task.CompletedTask;

    public bool WebSocket => webSocket;

    /// <summary><see cref="Stopwatch"/> timestamps: the connection to the stopping node ended; the other node took the client (0: not yet).</summary>
    public long EndedAt { get; private set; }

    public long ReconnectedAt { get; private set; }

    /// <summary>How the first connection ended: a close code and reason, the end of the stream with its last retry, or an error.</summary>
    public string? HowItEnded { get; private set; }

    /// <summary>The reconnection time an event stream had when it ended.</summary>
    public TimeSpan? Retry { get; private set; }

    public int Refusals { get; private set; }

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (webSocket)
        {
            _socket = await ConnectWebSocketAsync(stopping, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _stream = await OpenStreamAsync(stopping, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Start(CancellationToken end) => _run = Task.Run(() => RunAsync(end), CancellationToken.None);

    public Task Finished => _run;

    private async Task RunAsync(CancellationToken end)
    {
        try
        {
            if (webSocket)
            {
                using (_socket)
                {
                    HowItEnded = await ReadUntilClosedAsync(_socket!, end).ConfigureAwait(false);
                }

                EndedAt = Stopwatch.GetTimestamp();
                using var again = await ReconnectAsync(ConnectWebSocketAsync, end).ConfigureAwait(false);
                await ReadUntilClosedAsync(again, end).ConfigureAwait(false);
            }
            else
            {
                using (_stream)
                {
                    (HowItEnded, Retry) = await ReadToEndAsync(_stream!, end).ConfigureAwait(false);
                }

                EndedAt = Stopwatch.GetTimestamp();
                // EventSource: wait the reconnection time, then connect again.
                await Task.Delay(Retry is { } retry && retry >= TimeSpan.Zero ? retry : TimeSpan.FromSeconds(3), end).ConfigureAwait(false);
                using var again = await ReconnectAsync(OpenStreamAsync, end).ConfigureAwait(false);
                await ReadToEndAsync(again, end).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (end.IsCancellationRequested)
        {
            // The scenario is over.
        }
    }

    private async Task<T> ReconnectAsync<T>(Func<Uri, CancellationToken, Task<T>> connect, CancellationToken end)
    {
        while (true)
        {
            try
            {
                var connection = await connect(other, end).ConfigureAwait(false);
                ReconnectedAt = Stopwatch.GetTimestamp();
                return connection;
            }
            catch (Exception exception) when (exception is HttpRequestException or WebSocketException or IOException)
            {
                Refusals++;
                await Task.Delay(RefusedPause, end).ConfigureAwait(false);
            }
        }
    }

    private async Task<ClientWebSocket> ConnectWebSocketAsync(Uri node, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(new UriBuilder(node) { Scheme = "ws", Path = "/ws", Query = "topic=drain" }.Uri, invoker, cancellationToken)
                .ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> OpenStreamAsync(Uri node, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/sse?topic=drain"));
        var response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"GET /sse answered {(int)response.StatusCode}", null, response.StatusCode);
        }

        return response;
    }

    private static async Task<string> ReadUntilClosedAsync(ClientWebSocket socket, CancellationToken end)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, end).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var how = string.Create(CultureInfo.InvariantCulture, $"close {(int?)socket.CloseStatus} {socket.CloseStatusDescription}");
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, end).ConfigureAwait(false);
                    return how;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException)
        {
            return "broken: " + exception.Message;
        }
    }

    private static async Task<(string How, TimeSpan? Retry)> ReadToEndAsync(HttpResponseMessage response, CancellationToken end)
    {
        var body = await response.Content.ReadAsStreamAsync(end).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var parser = SseParser.Create(body);
            try
            {
                await foreach (var _ in parser.EnumerateAsync(end).ConfigureAwait(false))
                {
                }

                return ("stream ended", parser.ReconnectionInterval);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                return ("broken: " + exception.Message, parser.ReconnectionInterval);
            }
        }
    }
}
