using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary>
/// A client that opens idle connections until the gateway runs out of file descriptors, against the gateway
/// as its own process under a low open-files limit: it must refuse what it cannot hold and keep serving.
/// </summary>
public sealed class OpenFilesFloodTests
{
    private const int OpenFilesLimit = 1000;

    [Fact]
    public async Task IdleConnectionFlood_PastTheOpenFilesLimit_IsRefused_WhileExistingClientsAreServed()
    {
        using var gateway = await GatewayProcess.StartAsync(OpenFilesLimit);
        var maxConnections = gateway.MaxConnections();
        Assert.InRange(maxConnections, 1, OpenFilesLimit - 1);

        // Before the flood: a subscriber, and a publisher whose kept-alive connection is already open.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = gateway.HttpAddress };
        using (var health = await http.GetAsync("healthz", TestTimeout.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using var subscriberHttp = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        await using var subscriber = await subscriberHttp.GetStreamAsync("sse?topic=news&topic=ticker", TestTimeout.Token());
        await using var events = SseParser.Create(subscriber).EnumerateAsync(TestTimeout.Token()).GetAsyncEnumerator(TestTimeout.Token());
        Assert.True(await events.MoveNextAsync()); // a tick: the stream is live

        // One client with no request at all, from eight addresses at once (each under the per-address cap), past the limit.
        var flood = new List<TcpClient>();
        try
        {
            const int Addresses = 8;
            const int Total = 2 * OpenFilesLimit;
            var batches = await Task.WhenAll(Enumerable.Range(0, Addresses).Select(async address =>
            {
                var batch = new List<TcpClient>();
                for (var i = 0; i < Total / Addresses; i++)
                {
                    batch.Add(await ConnectionLimitsTests.ConnectFromAsync(IPAddress.Parse($"127.0.0.{2 + address}"), gateway.Port));
                }

                return batch;
            }));
            flood.AddRange(batches.SelectMany(batch => batch));

            var closed = (await Task.WhenAll(flood.Select(client => IsClosedByServerAsync(client)))).Count(isClosed => isClosed);

            Assert.False(gateway.HasExited);
            Assert.InRange(closed, Total - maxConnections, Total);
            using var health = await http.GetAsync("healthz", TestTimeout.Token());
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var probe = new HttpClient { BaseAddress = gateway.HttpAddress };
            using var probed = await probe.GetAsync("healthz", TestTimeout.Token()); // a new connection, as a liveness probe makes
            Assert.Equal(HttpStatusCode.OK, probed.StatusCode);
            using var published = await http.PostAsync("publish",
                new FormUrlEncodedContent([new("topic", "news"), new("data", "during the flood")]), TestTimeout.Token());
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            do
            {
                Assert.True(await events.MoveNextAsync());
            }
            while (events.Current.Data != "during the flood");
        }
        finally
        {
            flood.ForEach(client => client.Dispose());
        }

        // Once the flood ends, new connections are served again.
        await Eventually.ReachAsync(async () =>
        {
            using var fresh = new HttpClient { BaseAddress = gateway.HttpAddress };
            try
            {
                using var health = await fresh.GetAsync("healthz", TestTimeout.Token());
                return health.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "a new connection served after the flood");
        Assert.Contains(gateway.Lines, line => line.Contains("At the connection cap", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Lines, line => line.Contains(" ERR]", StringComparison.Ordinal) || line.Contains(" FTL]", StringComparison.Ordinal));
    }

    /// <summary>
    /// True when the server closes the connection of its own accord within a second: a connection it holds
    /// stays silent (no request was sent), one it refused is closed at once.
    /// </summary>
    private static async Task<bool> IsClosedByServerAsync(TcpClient client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            return await client.GetStream().ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
        catch (IOException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return true;
        }
    }
}
