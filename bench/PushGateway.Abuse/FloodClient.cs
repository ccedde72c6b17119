using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PushGateway.LoadGen;

namespace PushGateway.Abuse;

/// <summary>
/// A flood process: opens its batch of connections to the gateway at once, holds them without
/// reading, and tells the orchestrator (stdin/stdout lines) how each fared, how many the server has
/// closed since, and when it has closed them all.
/// </summary>
internal static class FloodClient
{
    private const int ConnectConcurrency = 256;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] arguments)
    {
        var port = int.Parse(arguments[0], CultureInfo.InvariantCulture);
        var batch = FloodBatch.Parse(arguments);
        var open = new List<Socket>(batch.Count);
        var outcomes = new Dictionary<string, int>();
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        await Task.WhenAll(Enumerable.Range(0, batch.Count).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var socket = Loopback.Socket(Loopback.Flood(batch.FirstAddress + (i / batch.PerAddress)));
                var outcome = await OpenAsync(socket, batch.Kind, port).ConfigureAwait(false);
                lock (outcomes)
                {
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                    if (outcome == "open")
                    {
                        open.Add(socket);
                    }
                    else
                    {
                        socket.Dispose();
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        Console.WriteLine("OPENED " + JsonSerializer.Serialize(outcomes));

        while (Console.ReadLine() is { } command)
        {
            if (command == "HELD")
            {
                Console.WriteLine("HELD " + open.Count(IsOpen).ToString(CultureInfo.InvariantCulture));
            }
            else if (command == "CLOSE")
            {
                open.ForEach(s => s.Dispose());
                Console.WriteLine("CLOSED");
                return 0;
            }
        }

        return 0;
    }

    private static async Task<string> OpenAsync(Socket socket, FloodKind kind, int port)
    {
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return "connect timeout";
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode == SocketError.ConnectionRefused ? "refused" : exception.SocketErrorCode.ToString();
        }

        if (kind == FloodKind.Bare)
        {
            return "open";
        }

        try
        {
            var request = kind == FloodKind.Sse ? Wire.EventStreamRequest("/sse?topic=flood", port) : Wire.UpgradeRequest("/ws?topic=flood", port);
            var head = new byte[1024];
            await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var read = await socket.ReceiveAsync(head, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (read < 12)
            {
                return read == 0 ? "closed by the server" : "short answer";
            }

            var status = System.Text.Encoding.ASCII.GetString(head, 9, 3);
            return status is "200" or "101" ? "open" : "status " + status;
        }
        catch (OperationCanceledException)
        {
            return "no answer";
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode == SocketError.ConnectionReset ? "reset" : exception.SocketErrorCode.ToString();
        }
    }

    /// <summary>Still open unless the server closed or reset it (readable with nothing to read).</summary>
    private static bool IsOpen(Socket socket)
    {
        try
        {
            return !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
