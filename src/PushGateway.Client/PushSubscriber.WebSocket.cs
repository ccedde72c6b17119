using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace PushGateway.Client;

public sealed partial class PushSubscriber
{
    private const string SubProtocol = "pushgateway.v1.json";
    private const int RecentIdsKept = 1024;
    private const string BackplaneUnavailable = "backplane_unavailable";
    private static readonly TimeSpan CloseAnswerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Over <c>/ws</c> with <c>pushgateway.v1.json</c>: one subscribe frame for every topic, each with its own last id;
    /// a <c>subscribed</c> answer of <c>gap</c> becomes a <see cref="PushMessage.Gap"/>; the server's <c>reconnect</c>
    /// advice sets the wait before the next connection; a message on two of the topics (sent once per topic) is
    /// yielded once.
    /// </summary>
    private async IAsyncEnumerable<PushMessage> OverWebSocketAsync(
        IReadOnlyCollection<string> topics, string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lastIds = topics.Distinct(StringComparer.Ordinal).ToDictionary(topic => topic, _ => lastEventId, StringComparer.Ordinal);
        var recent = new Queue<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failures = 0;
        while (true)
        {
            using var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol(SubProtocol);
            if (options.Value.AccessToken is { } source && await source(cancellationToken).ConfigureAwait(false) is { } token)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            TimeSpan? wait = null;
            if (await TryConnectAsync(socket, cancellationToken).ConfigureAwait(false))
            {
                await SendAsync(socket, SubscribeFrame(lastIds), cancellationToken).ConfigureAwait(false);
                var unavailable = false;
                while (!unavailable && await ReceiveFrameAsync(socket, cancellationToken).ConfigureAwait(false) is { } frame)
                {
                    using (frame)
                    {
                        var root = frame.RootElement;
                        var kind = root.TryGetProperty("type", out var type) ? type.GetString() : null;
                        if (kind == "subscribed")
                        {
                            // Subscribed again: the next failure starts the backoff over.
                            failures = 0;
                        }

                        switch (kind)
                        {
                            case "message":
                                if (Deliver(root, lastIds, recent, seen) is { } message)
                                {
                                    yield return message;
                                }

                                break;
                            case "subscribed" when root.TryGetProperty("resume", out var resume) && resume.GetString() == "gap":
                                var topic = root.GetProperty("topic").GetString()!;
                                yield return new PushMessage(PushMessage.Gap, null, JsonSerializer.Serialize(
                                    new GapNotice(topic, lastIds.GetValueOrDefault(topic)), ClientJsonContext.Default.GapNotice));
                                break;
                            case "error" when root.GetProperty("code").GetString() == BackplaneUnavailable:
                                // The gateway cannot reach its history now (a resume during a Redis outage): later, again.
                                unavailable = true;
                                break;
                            case "error":
                                // Refused: a bad topic, a limit, a token that does not allow it; reconnecting changes nothing.
                                throw new PushGatewayException(
                                    System.Net.HttpStatusCode.BadRequest, root.GetProperty("code").GetString(), root.TryGetProperty("message", out var text) ? text.GetString() : null);
                            case "reconnect" when root.TryGetProperty("delayMs", out var delay) && delay.TryGetInt32(out var milliseconds):
                                wait = TimeSpan.FromMilliseconds(milliseconds);
                                break;
                        }
                    }
                }

                await AnswerCloseAsync(socket).ConfigureAwait(false);
            }

            wait ??= Backoff(failures++);
            await Task.Delay(wait.Value, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryConnectAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var address = new UriBuilder(new Uri(http.BaseAddress!, "ws")) { Scheme = http.BaseAddress!.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (socket.SubProtocol != SubProtocol)
        {
            throw new PushGatewayException($"The gateway at {address} does not speak {SubProtocol}.");
        }

        return true;
    }

    /// <summary>
    /// Answers the server's close frame (RFC 6455 §5.5.1) before waiting to reconnect: otherwise the server's side stays
    /// open until its close timeout (a draining node then takes that much longer to stop), or until this socket is disposed.
    /// </summary>
    private static async Task AnswerCloseAsync(ClientWebSocket socket)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CloseAnswerTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
        {
            // The connection is gone already: nothing to answer.
        }
    }

    /// <summary>The message of a <c>message</c> frame, or null when it was yielded already (it came for another topic too).</summary>
    private static PushMessage? Deliver(JsonElement frame, Dictionary<string, string?> lastIds, Queue<string> recent, HashSet<string> seen)
    {
        var id = frame.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
        if (id is not null)
        {
            foreach (var topic in frame.GetProperty("topics").EnumerateArray())
            {
                if (topic.GetString() is { } name && lastIds.ContainsKey(name))
                {
                    lastIds[name] = id;
                }
            }

            if (!seen.Add(id))
            {
                return null;
            }

            recent.Enqueue(id);
            if (recent.Count > RecentIdsKept)
            {
                seen.Remove(recent.Dequeue());
            }
        }

        var eventType = frame.TryGetProperty("event", out var eventElement) ? eventElement.GetString() : null;
        return new PushMessage(eventType ?? "message", id, frame.GetProperty("data").GetString() ?? "");
    }

    private static byte[] SubscribeFrame(Dictionary<string, string?> lastIds)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "subscribe");
            json.WriteStartArray("topics");
            foreach (var (topic, lastId) in lastIds)
            {
                json.WriteStartObject();
                json.WriteString("topic", topic);
                if (lastId is not null)
                {
                    json.WriteString("lastEventId", lastId);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task SendAsync(ClientWebSocket socket, byte[] frame, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The socket broke before the subscribe went out: the receive loop sees it end, and the client reconnects.
        }
    }

    /// <summary>The next complete text frame as JSON; null when the socket closed or broke (both mean: reconnect).</summary>
    private static async Task<JsonDocument?> ReceiveFrameAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    return JsonDocument.Parse(buffer.WrittenMemory);
                }
            }
        }
        catch (WebSocketException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary>The data of a <see cref="PushMessage.Gap"/> over WebSocket: the topic, and the last id seen on it.</summary>
internal sealed record GapNotice(string Topic, string? LastEventId);
