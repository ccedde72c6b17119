using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PushGateway.Bench;

/// <summary>Starting servers on loopback, for every bench tool (each compiles this file in).</summary>
internal static class Loopback
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until the port accepts connections; gives up when the server exits or the time is up.</summary>
    public static async Task WaitUntilListeningAsync(int port, Process server, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !server.HasExited)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }
        }
    }
}
