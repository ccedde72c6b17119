using Microsoft.Extensions.Options;

namespace PushGateway.Hosting;

/// <summary>
/// Gives memory back to the OS once many connections have closed. Their objects are garbage by
/// then, but a node that has gone quiet allocates too little to trigger another collection, the
/// server GC keeps what it has committed, and Kestrel's pools keep their blocks: after 18,000
/// connections closed, RSS stayed six times its baseline (bench/README.md, "Memory after a
/// connection flood"). A reclaim drops the pools' idle blocks, runs a blocking, compacting
/// collection in <see cref="GCCollectionMode.Aggressive"/> mode, which releases every free region,
/// and trims the C heap (<see cref="NativeHeap"/>); <see cref="MemoryReclaimPolicy"/> keeps it to
/// large drops and rate-limits it.
/// </summary>
internal sealed partial class MemoryReclaimService : BackgroundService
{
    private readonly ServerConnectionCounter _connections;
    private readonly TimeProvider _timeProvider;
    private readonly MemoryReclaimOptions _options;
    private readonly MemoryReclaimPolicy _policy;
    private readonly ILogger<MemoryReclaimService> _logger;

    public MemoryReclaimService(
        ServerConnectionCounter connections,
        IEnumerable<RenewableMemoryPoolFactory> memoryPools,
        TimeProvider timeProvider,
        IOptions<MemoryReclaimOptions> options,
        ILogger<MemoryReclaimService> logger)
    {
        _connections = connections;
        _timeProvider = timeProvider;
        _options = options.Value;
        _policy = new MemoryReclaimPolicy(_options, timeProvider);
        _logger = logger;
        Reclaim = () =>
        {
            var renewed = memoryPools.Sum(factory => factory.RenewAll());
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _ = NativeHeap.Trim();
            return renewed;
        };
    }

    /// <summary>What a reclaim does; returns how many memory pools it renewed. Tests replace it.</summary>
    internal Func<int> Reclaim { get; init; }

    /// <summary>One look at the connection count; reclaims when the policy says so. True when it did.</summary>
    internal bool Check()
    {
        var open = _connections.Open;
        var highest = _connections.TakeHighest();
        if (!_policy.ShouldReclaim(open, highest, out var peak))
        {
            return false;
        }

        var before = Environment.WorkingSet;
        var started = _timeProvider.GetTimestamp();
        var renewed = Reclaim();
        var elapsed = _timeProvider.GetElapsedTime(started);
        var after = Environment.WorkingSet;
        LogReclaimed(peak, open, renewed, before >> 20, after >> 20, elapsed.TotalMilliseconds);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.CheckInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Check();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Connections fell from {Peak} to {Open}: memory reclaimed ({MemoryPools} memory pools renewed), working set {BeforeMiB} MiB -> {AfterMiB} MiB in {ElapsedMs:0} ms")]
    private partial void LogReclaimed(long peak, long open, int memoryPools, long beforeMiB, long afterMiB, double elapsedMs);
}
