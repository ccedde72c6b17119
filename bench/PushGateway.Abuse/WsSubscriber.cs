using System.Net.WebSockets;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>A <c>/ws</c> room member on <see cref="ClientWebSocket"/> (which answers the server's pings).</summary>
internal sealed class WsSubscriber(HttpMessageInvoker invoker, Uri node, string topic) : ISubscriber
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Receipts Receipts { get; } = new();

    public string? DropReason { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(node) { Scheme = "ws", Path = "/ws", Query = "topic=" + topic }.Uri;
        await _socket.ConnectAsync(uri, invoker, cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(() => ReceiveAsync(_stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stopping.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken stopping)
    {
        var buffer = new byte[8 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), stopping).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    DropReason = $"closed by the server: {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    return;
                }

                filled += result.Count;
                if (!result.EndOfMessage && filled < buffer.Length)
                {
                    continue;
                }

                if (AbusePayload.TryRead(buffer.AsSpan(0, filled), out var sequence, out var sentAt))
                {
                    LatencyRecorder.Record(Payload.MicrosecondsSince(sentAt));
                    Receipts.Add(sequence);
                }

                filled = 0;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The scenario is over.
        }
        catch (WebSocketException exception)
        {
            DropReason = exception.Message;
        }
    }
}
