using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>The well-behaved subscribers of a scenario, their connections made from several loopback addresses.</summary>
internal sealed class SubscriberSet : IAsyncDisposable
{
    /// <summary>Client addresses the subscribers are spread over: each stays far below the per-address cap.</summary>
    private const int Addresses = 20;
    private const int ConnectConcurrency = 32;
    private readonly List<SocketsHttpHandler> _handlers = [];
    private readonly List<HttpClient> _clients = [];

    private SubscriberSet()
    {
        for (var i = 0; i < Addresses; i++)
        {
            var handler = Loopback.Handler(Loopback.Client(i));
            _handlers.Add(handler);
            _clients.Add(new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan });
        }
    }

    public List<ISubscriber> All { get; } = [];

    public int FailedToConnect { get; private set; }

    public string? FirstConnectError { get; private set; }

    /// <summary><paramref name="webSockets"/> <c>/ws</c> room members and <paramref name="sse"/> <c>/sse</c> subscribers of one node, no resume.</summary>
    public static SubscriberSet OnOneNode(Uri node, string topic, int webSockets, int sse)
    {
        var set = new SubscriberSet();
        for (var i = 0; i < webSockets + sse; i++)
        {
            set.All.Add(i < webSockets
                ? new WsSubscriber(set._clients[i % Addresses], node, topic)
                : new SseSubscriber(set._clients[i % Addresses], [node], 0, topic, resume: false));
        }

        return set;
    }

    /// <summary><paramref name="count"/> resuming <c>/sse</c> subscribers spread evenly over <paramref name="nodes"/>.</summary>
    public static SubscriberSet Resuming(IReadOnlyList<Uri> nodes, string topic, int count)
    {
        var set = new SubscriberSet();
        for (var i = 0; i < count; i++)
        {
            set.All.Add(new SseSubscriber(set._clients[i % Addresses], nodes, i % nodes.Count, topic, resume: true));
        }

        return set;
    }

    public async Task StartAllAsync(CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        await Task.WhenAll(All.Select(async subscriber =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await subscriber.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException)
            {
                FailedToConnect++;
                FirstConnectError ??= exception.Message;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every subscriber holds every acknowledged sequence, or until deliveries stop
    /// arriving for <paramref name="quiet"/>; true when all arrived.
    /// </summary>
    public async Task<bool> WaitForAsync(IReadOnlyCollection<long> acknowledged, TimeSpan quiet, CancellationToken cancellationToken)
    {
        var total = All.Sum(s => s.Receipts.Total);
        var progressAt = Stopwatch.GetTimestamp();
        while (All.Any(s => s.Receipts.Missing(acknowledged) > 0))
        {
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            var now = All.Sum(s => s.Receipts.Total);
            if (now != total)
            {
                (total, progressAt) = (now, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(progressAt) > quiet)
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var subscriber in All)
        {
            await subscriber.DisposeAsync().ConfigureAwait(false);
        }

        _clients.ForEach(c => c.Dispose());
        _handlers.ForEach(h => h.Dispose());
    }
}
