using System.Net;
using System.Net.Sockets;

namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// A loopback port held by this test process for as long as it is not disposed, for a server that must come
/// back on the same port (a restarted gateway or redis-server). The port is bound with SO_REUSEADDR but never
/// listened on: a server that also sets SO_REUSEADDR (Kestrel does, through .NET; redis-server does) can bind
/// and listen on it, while the kernel never hands it to another process's port-0 bind or outgoing connection,
/// not even between two runs of the server. A port merely found free and released again could be taken there.
/// </summary>
public sealed class PortReservation : IDisposable
{
    private readonly Socket _holder = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public PortReservation()
    {
        _holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_holder.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _holder.Dispose();
}
