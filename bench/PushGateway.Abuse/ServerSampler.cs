using System.Diagnostics;

namespace PushGateway.Abuse;

/// <summary>A gateway's RSS every 250 ms, for peaks and for how fast it comes back down.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly List<(long At, long Bytes)> _samples = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public RssSampler(GatewayNode node) => _loop = Task.Run(() => SampleAsync(node, _stopping.Token));

    /// <summary>The highest RSS sampled between two <see cref="Stopwatch"/> timestamps.</summary>
    public long Peak(long from, long to)
    {
        lock (_samples)
        {
            return _samples.Where(s => s.At >= from && s.At <= to).Select(s => s.Bytes).DefaultIfEmpty().Max();
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
            lock (_samples)
            {
                _samples.Add((Stopwatch.GetTimestamp(), bytes));
            }
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }
}
