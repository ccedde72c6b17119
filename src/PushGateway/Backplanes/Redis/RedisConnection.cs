using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Availability;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// This node's connection to Redis and what the backplane makes of its state: every command goes through
/// <see cref="RunAsync"/>, which tells an outage (logged once, on its first failure, until a command goes
/// through again) from a bug, and a command that certainly did nothing from one that may have run.
/// </summary>
internal sealed partial class RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly ILogger<RedisConnection> _logger = logger;
    private readonly Lock _state = new();
    private ConnectionMultiplexer? _redis;
    private int _down;
    private long _failures;

    /// <summary>This node's id in Redis (presence, live stats).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The connection, once made: for other per-node reports (live stats) to share.</summary>
    public IConnectionMultiplexer? Multiplexer => _redis;

    /// <summary>Connected, and the last command went through.</summary>
    public bool IsUp => _redis?.IsConnected == true && !IsDown;

    /// <summary>A command failed for an outage, and none went through since.</summary>
    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>
    /// Failures so far. A command's success says Redis is back only if nothing failed after it was sent: a reply that
    /// was on its way when Redis went away must not end the outage that the next command would log again.
    /// </summary>
    public long Failures => Interlocked.Read(ref _failures);

    public IDatabase Database => _redis?.GetDatabase() ?? throw new BackplaneUnavailableException("Not connected to Redis yet.");

    /// <summary>Connects, or keeps trying in the background; <paramref name="restored"/> runs after each reconnect.</summary>
    public async Task ConnectAsync(Action restored)
    {
        var configuration = ConfigurationOptions.Parse(options.Value.Configuration!);
        // Keep trying in the background, and fail commands at once while disconnected: a publish gets
        // its 503 now rather than after a timeout.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) => MarkDown(e.Exception?.Message ?? e.FailureType.ToString());
        _redis.ConnectionRestored += (_, _) => restored();
    }

    /// <param name="command">What to run.</param>
    /// <param name="writes">
    /// True for a command with effects: a failure that may have come after Redis ran it (a timeout, the
    /// connection lost once the command was sent) is then reported as such, not as "not done".
    /// </param>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, bool writes = false)
    {
        var failures = Failures;
        try
        {
            var result = await command(Database).ConfigureAwait(false);
            MarkUp(failures);
            return result;
        }
        catch (Exception exception) when (IsFailure(exception))
        {
            MarkDown(exception.Message);
            if (writes && !NotApplied(exception))
            {
                throw new PublishOutcomeUnknownException("Redis did not confirm the command; it may have run: " + exception.Message, exception);
            }

            throw new BackplaneUnavailableException("Redis is unavailable: " + exception.Message, exception);
        }
    }

    /// <summary>Redis away, slow, or still loading its data: an outage, not a bug.</summary>
    public static bool IsFailure(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or BackplaneUnavailableException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal),
        _ => false,
    };

    public void MarkDown(string reason)
    {
        bool began;
        lock (_state)
        {
            Interlocked.Increment(ref _failures);
            began = _down == 0;
            Volatile.Write(ref _down, 1);
        }

        if (began)
        {
            LogUnavailable(reason);
        }
    }

    /// <param name="failuresWhenSent"><see cref="Failures"/> when the command that went through was sent.</param>
    public void MarkUp(long failuresWhenSent)
    {
        if (Volatile.Read(ref _down) == 0)
        {
            return;
        }

        lock (_state)
        {
            if (_down == 0 || Failures != failuresWhenSent)
            {
                return;
            }

            Volatile.Write(ref _down, 0);
        }

        LogAvailable();
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Certainly not run: never written to a socket (no connection, still queued), or refused by Redis
    /// for its own state before running anything (loading), as StackExchange.Redis classifies faults.
    /// </summary>
    private static bool NotApplied(Exception exception) =>
        exception is BackplaneUnavailableException || new FaultContext(exception).NotApplied;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Redis backplane unavailable ({Reason}): serving local connections only, publishes fail; retrying")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis backplane available again: cross-node delivery resumes")]
    private partial void LogAvailable();
}
