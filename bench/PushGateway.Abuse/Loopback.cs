using System.Net;
using System.Net.Sockets;

namespace PushGateway.Abuse;

/// <summary>
/// Client sockets bound to chosen loopback addresses, so that the clients look like several hosts
/// (the gateway caps connections per address). Everything stays on 127.0.0.0/8.
/// </summary>
internal static class Loopback
{
    /// <summary>The health probe's own address, as an orchestrator's probes come from a host of their own.</summary>
    public static IPAddress Probe { get; } = new([127, 0, 0, 2]);

    /// <summary>The address of the well-behaved clients' group <paramref name="index"/>: 127.0.0.10 and up.</summary>
    public static IPAddress Client(int index) => new([127, 0, 0, (byte)(10 + (index % 200))]);

    /// <summary>The address of flood connection group <paramref name="index"/>: 127.1.x.y, far from the clients'.</summary>
    public static IPAddress Flood(int index) => new([127, 1, (byte)(index / 250), (byte)((index % 250) + 1)]);

    public static Socket Socket(IPAddress local)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(local, 0));
        return socket;
    }

    /// <summary>An HTTP handler whose every connection comes from <paramref name="local"/>.</summary>
    public static SocketsHttpHandler Handler(IPAddress local, int maxConnectionsPerServer = int.MaxValue) => new()
    {
        UseProxy = false,
        UseCookies = false,
        MaxConnectionsPerServer = maxConnectionsPerServer,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = Socket(local);
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
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
