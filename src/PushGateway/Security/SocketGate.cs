namespace PushGateway.Security;

/// <summary>
/// Holds the sockets the process has accepted below <see cref="SocketBudget.MaxSockets"/>: past it, the next accept
/// waits until one closes, and new connections queue in the kernel's backlog. Refusing a connection still takes a
/// descriptor until its socket is gone, so under a fast flood only a gate on accepting keeps the process from
/// running out of descriptors (after which the runtime cannot even log, and aborts). Logged once per episode.
/// </summary>
internal sealed partial class SocketGate(SocketBudget budget, ILogger<SocketGate> logger)
{
    private readonly SemaphoreSlim? _room = budget.MaxSockets is { } max ? new SemaphoreSlim((int)Math.Min(max, int.MaxValue)) : null;
    private int _full;

    /// <summary>Waits for room for one more socket; every successful wait is paired with one <see cref="Release"/>.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_room is null || _room.Wait(0, CancellationToken.None))
        {
            return Task.CompletedTask;
        }

        if (Interlocked.Exchange(ref _full, 1) == 0)
        {
            LogFull(budget.MaxSockets!.Value);
        }

        return _room.WaitAsync(cancellationToken);
    }

    public void Release()
    {
        if (_room is null)
        {
            return;
        }

        // The episode ends once a tenth of the room is free again.
        if (_room.Release() + 1 > budget.MaxSockets / 10 && Volatile.Read(ref _full) == 1 && Interlocked.Exchange(ref _full, 0) == 1)
        {
            LogRoomAgain();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The process holds {MaxSockets} sockets, all its open-files limit allows after its reserve: new connections wait in the kernel's backlog until some close.")]
    private partial void LogFull(long maxSockets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room for new sockets again: accepting connections.")]
    private partial void LogRoomAgain();
}
