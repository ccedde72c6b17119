using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace PushGateway.Deflate;

/// <summary>
/// One case: a fresh gateway with compression on or off, N subscribers (offering permessage-deflate when it is on), and
/// a chat publisher (uncompressed) sending JSON messages of one size, at most a window of them in flight. Measured over
/// the messages after the warm-up: bytes the subscribers read, and CPU the gateway and this process used.
/// </summary>
internal static class DeflateCase
{
    public static async Task<CaseResult> RunAsync(DeflateOptions options, int size, bool compression, CancellationToken cancellationToken)
    {
        using var gateway = await GatewayUnderTest.StartAsync(options, compression).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var subscribers = new List<Subscriber>();
        using var publisher = new ClientWebSocket();
        try
        {
            for (var i = 0; i < options.Subscribers; i++)
            {
                subscribers.Add(await Subscriber.ConnectAsync(gateway.Port, compression, cancellationToken).ConfigureAwait(false));
            }

            var receiving = subscribers.Select(subscriber => subscriber.ReceiveAsync(stop.Token)).ToList();
            await publisher.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/ws?topic=chat"), cancellationToken).ConfigureAwait(false);
            var draining = DrainAsync(publisher, stop.Token);

            await PublishAsync(publisher, subscribers, 0, options.Warmup, size, options.Window, cancellationToken).ConfigureAwait(false);
            var wireBefore = subscribers.Sum(subscriber => subscriber.WireBytes);
            var payloadBefore = subscribers.Sum(subscriber => subscriber.PayloadBytes);
            var serverBefore = gateway.Cpu();
            var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;

            var expected = await PublishAsync(publisher, subscribers, options.Warmup, options.Messages, size, options.Window, cancellationToken).ConfigureAwait(false);

            var delivered = (long)options.Messages * options.Subscribers;
            var result = new CaseResult(
                size,
                compression,
                delivered,
                WireBytes: subscribers.Sum(subscriber => subscriber.WireBytes) - wireBefore,
                ServerCpu: gateway.Cpu() - serverBefore,
                ClientCpu: Process.GetCurrentProcess().TotalProcessorTime - clientBefore);
            var payload = subscribers.Sum(subscriber => subscriber.PayloadBytes) - payloadBefore;
            if (payload != expected * options.Subscribers)
            {
                throw new InvalidOperationException($"the subscribers read {payload} payload bytes, not {expected * options.Subscribers}");
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll([.. receiving, draining]).ConfigureAwait(false);
            return result;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new InvalidOperationException($"case {size} B, compression {compression} failed; gateway log: {gateway.Log}", exception);
        }
        finally
        {
            subscribers.ForEach(subscriber => subscriber.Dispose());
        }
    }

    /// <summary>Publishes messages <paramref name="first"/>… and waits until every subscriber has them; their UTF-8 bytes in all.</summary>
    private static async Task<long> PublishAsync(
        ClientWebSocket publisher, List<Subscriber> subscribers, int first, int count, int size, int window, CancellationToken cancellationToken)
    {
        long bytes = 0;
        for (var sequence = first; sequence < first + count; sequence++)
        {
            while (Behind(subscribers, sequence) > window)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }

            var message = Encoding.UTF8.GetBytes(JsonMessages.Make(sequence, size));
            bytes += message.Length;
            await publisher.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }

        while (Behind(subscribers, first + count) > 0)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        return bytes;
    }

    /// <summary>How many of the messages before <paramref name="sent"/> the slowest subscriber still lacks.</summary>
    private static long Behind(List<Subscriber> subscribers, int sent) => sent - subscribers.Min(subscriber => subscriber.Messages);

    /// <summary>The publisher is in the chat room too: what comes back to it is read and dropped.</summary>
    private static async Task DrainAsync(ClientWebSocket publisher, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while ((await publisher.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // The case is over.
        }
    }
}

/// <summary>What one case measured, and its row of the table.</summary>
internal sealed record CaseResult(int Size, bool Compression, long Delivered, long WireBytes, TimeSpan ServerCpu, TimeSpan ClientCpu)
{
    public string Row(CaseResult uncompressed) => string.Create(CultureInfo.InvariantCulture,
        $"| {Size} B | {(Compression ? "on" : "off")} | {(double)WireBytes / Delivered:F1} B | {100.0 * WireBytes / uncompressed.WireBytes:F0} % " +
        $"| {ServerCpu.TotalMicroseconds / Delivered:F2} µs | {ClientCpu.TotalMicroseconds / Delivered:F2} µs | {Delivered:N0} |");
}
