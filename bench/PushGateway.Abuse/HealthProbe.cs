using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PushGateway.Abuse;

/// <summary>
/// <c>GET /healthz</c> every 500 ms on a new connection each time, from an address of its own, as an
/// orchestrator's liveness probe does, with 2 s to answer: whether a node under attack still takes and
/// answers a request.
/// </summary>
internal sealed class HealthProbe : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly List<(long At, bool Healthy)> _samples = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public HealthProbe(int port) => _loop = Task.Run(() => ProbeAsync(port, _stopping.Token));

    /// <summary>Probes answered 200 of those sent between two <see cref="Stopwatch"/> timestamps.</summary>
    public (int Healthy, int Sent) Answered(long from, long to)
    {
        lock (_samples)
        {
            var window = _samples.Where(s => s.At >= from && s.At <= to).ToList();
            return (window.Count(s => s.Healthy), window.Count);
        }
    }

    /// <summary>The longest stretch without a healthy answer between two timestamps.</summary>
    public TimeSpan LongestSilence(long from, long to)
    {
        lock (_samples)
        {
            var longest = 0L;
            var last = from;
            foreach (var (at, _) in _samples.Where(s => s.Healthy && s.At >= from && s.At <= to))
            {
                longest = Math.Max(longest, at - last);
                last = at;
            }

            longest = Math.Max(longest, to - last);
            return TimeSpan.FromSeconds((double)longest / Stopwatch.Frequency);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task ProbeAsync(int port, CancellationToken stopping)
    {
        var request = Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        var buffer = new byte[1024];
        while (!stopping.IsCancellationRequested)
        {
            var sentAt = Stopwatch.GetTimestamp();
            var healthy = false;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            using (var socket = Loopback.Socket(Loopback.Probe))
            {
                timeout.CancelAfter(Timeout);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token).ConfigureAwait(false);
                    await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    healthy = buffer.AsSpan(0, read).StartsWith("HTTP/1.1 200"u8);
                }
                catch (Exception exception) when (exception is SocketException || (exception is OperationCanceledException && !stopping.IsCancellationRequested))
                {
                    // Refused, reset or too slow: unhealthy.
                }
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            lock (_samples)
            {
                _samples.Add((sentAt, healthy));
            }

            var wait = Interval - Stopwatch.GetElapsedTime(sentAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
