using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>A gateway's RSS and open file descriptors every 250 ms, for peaks and for how fast they come back down.</summary>
internal sealed class ServerSampler : IAsyncDisposable
{
    private readonly List<(long At, long Bytes, (int Total, int Sockets) Descriptors)> _samples = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public ServerSampler(GatewayNode node) => _loop = Task.Run(() => SampleAsync(node, _stopping.Token));

    /// <summary>The first sample that found the process gone (<see cref="Stopwatch"/> timestamp), if one did.</summary>
    public long? ExitedAt { get; private set; }

    /// <summary>The highest RSS sampled between two <see cref="Stopwatch"/> timestamps.</summary>
    public long Peak(long from, long to)
    {
        lock (_samples)
        {
            return _samples.Where(s => s.At >= from && s.At <= to).Select(s => s.Bytes).DefaultIfEmpty().Max();
        }
    }

    /// <summary>The most file descriptors open at once among the samples between two timestamps, and how many of those were sockets.</summary>
    public (int Total, int Sockets) PeakDescriptors(long from, long to)
    {
        lock (_samples)
        {
            return _samples.Where(s => s.At >= from && s.At <= to).Select(s => s.Descriptors).DefaultIfEmpty().MaxBy(d => d.Total);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task SampleAsync(GatewayNode node, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        do
        {
            var bytes = node.ResidentBytes();
            var descriptors = node.OpenDescriptors();
            lock (_samples)
            {
                _samples.Add((Stopwatch.GetTimestamp(), bytes, descriptors));
            }

            if (!node.IsAlive)
            {
                ExitedAt = Stopwatch.GetTimestamp();
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }
}
