using System.Net.Sockets;
using System.Text;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, for what <see cref="HttpClient"/> will not send: broken framing,
/// bytes a header may not hold, bodies cut short, clients that vanish mid-request.
/// </summary>
public static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> and reads until the server closes the connection (ask it to
    /// with <c>Connection: close</c>, or send something it rejects): the request is over by then.
    /// </summary>
    public static async Task<RawHttpResponse> ExchangeAsync(Uri server, byte[] request)
    {
        using var client = await ConnectAsync(server);
        var stream = client.GetStream();
        await stream.WriteAsync(request, TestTimeout.Token());
        var received = await ReadToEndAsync(stream);
        return RawHttpResponse.Parse(received);
    }

    /// <summary>
    /// Sends <paramref name="head"/> (with <c>Expect: 100-continue</c>), waits for the server's
    /// <c>100 Continue</c>, which it sends as the application starts waiting for the body, then sends
    /// <paramref name="partialBody"/> (if any) and leaves: with a reset (<paramref name="reset"/>) or
    /// with its sending side closed, as a client that crashed or gave up half-way.
    /// </summary>
    public static async Task LeaveMidBodyAsync(Uri server, byte[] head, byte[] partialBody, bool reset)
    {
        using var client = await ConnectAsync(server);
        var stream = client.GetStream();
        await stream.WriteAsync(head, TestTimeout.Token());
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, TestTimeout.Token());
        Assert.StartsWith("HTTP/1.1 100 Continue", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        if (partialBody.Length > 0)
        {
            await stream.WriteAsync(partialBody, TestTimeout.Token());
        }

        if (reset)
        {
            // Not through the stream, which would send a FIN (a clean end) first.
            client.Client.Close(timeout: 0);
        }
        else
        {
            // Still listening, as a client that gave up sending might.
            client.Client.Shutdown(SocketShutdown.Send);
            await ReadToEndAsync(stream);
        }
    }

    /// <summary>
    /// Everything the server sends until it closes. A server that answers before reading the whole
    /// request resets the connection when it closes it (its unread bytes): what came before counts.
    /// </summary>
    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream)
    {
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, TestTimeout.Token())) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }

        return received.ToArray();
    }

    private static async Task<TcpClient> ConnectAsync(Uri server)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, TestTimeout.Token());
        return client;
    }
}
