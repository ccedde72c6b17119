using System.Net.Sockets;

namespace PushGateway.Tests.Infrastructure;

internal static class SmallReceiveBuffer
{
    /// <summary>
    /// An HTTP handler whose sockets have a receive buffer of <paramref name="bytes"/>, set before connecting so that
    /// the TCP window stays that small: once the client stops reading, the server's writes soon stop completing.
    /// </summary>
    public static SocketsHttpHandler Handler(int bytes) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = bytes };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
