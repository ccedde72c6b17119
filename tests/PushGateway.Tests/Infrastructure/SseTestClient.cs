using System.Net.ServerSentEvents;

namespace PushGateway.Tests.Infrastructure;

/// <summary>An open <c>/sse</c> stream, read with the reference parser.</summary>
public sealed class SseTestClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseItem<string>> _items;

    private SseTestClient(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        Response = response;
        _body = body;
        Parser = SseParser.Create(body);
        _items = Parser.EnumerateAsync(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
    }

    public HttpResponseMessage Response { get; }

    public SseParser<string> Parser { get; }

    public static Task<SseTestClient> ConnectAsync(GatewayFactory gateway, string path = "sse", string? lastEventId = null) =>
        ConnectAsync(gateway.CreateHttpClient(), path, lastEventId);

    /// <summary>Connects to a gateway (or a proxy in front of one) at <paramref name="address"/>.</summary>
    public static Task<SseTestClient> ConnectAsync(Uri address, string path = "sse") =>
        ConnectAsync(new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan }, path, lastEventId: null);

    /// <summary>Connects over a socket whose receive buffer is <paramref name="receiveBufferSize"/> bytes (see <see cref="SmallReceiveBuffer"/>).</summary>
    public static Task<SseTestClient> ConnectAsync(GatewayFactory gateway, string path, int receiveBufferSize) =>
        ConnectAsync(
            new HttpClient(SmallReceiveBuffer.Handler(receiveBufferSize)) { BaseAddress = gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan },
            path,
            lastEventId: null);

    private static async Task<SseTestClient> ConnectAsync(HttpClient http, string path, string? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestTimeout.Token());
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStreamAsync(TestTimeout.Token());
        return new SseTestClient(http, response, body);
    }

    /// <summary>The next event; fails the test if none arrives within <see cref="TestTimeout.Default"/>.</summary>
    public async Task<SseItem<string>> NextAsync()
    {
        var next = await _items.MoveNextAsync().AsTask().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken);
        Assert.True(next, "the stream ended");
        return _items.Current;
    }

    /// <summary>
    /// How the stream ended, after any events still in flight: <see cref="StreamEnd.Completed"/> when the server
    /// ended the response, <see cref="StreamEnd.Aborted"/> when the connection broke. Fails the test if it does
    /// not end within <see cref="TestTimeout.Default"/>.
    /// </summary>
    public async Task<StreamEnd> EndsAsync()
    {
        try
        {
            while (await _items.MoveNextAsync().AsTask().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken))
            {
            }
        }
        catch (HttpIOException)
        {
            return StreamEnd.Aborted;
        }
        catch (IOException)
        {
            return StreamEnd.Aborted;
        }

        return StreamEnd.Completed;
    }

    /// <summary>Every event until the server ends the stream; <see cref="Parser"/> then holds the last <c>retry:</c>.</summary>
    public async Task<IReadOnlyList<SseItem<string>>> ReadToEndAsync()
    {
        var items = new List<SseItem<string>>();
        while (await _items.MoveNextAsync().AsTask().WaitAsync(TestTimeout.Default, TestContext.Current.CancellationToken))
        {
            items.Add(_items.Current);
        }

        return items;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _items.DisposeAsync();
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or NotSupportedException)
        {
            // An enumeration still pending on a closed stream.
        }

        await _body.DisposeAsync();
        Response.Dispose();
        _http.Dispose();
    }
}
