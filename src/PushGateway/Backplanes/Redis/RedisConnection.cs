using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Availability;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// This node's connection to Redis and what the backplane makes of its state. Every command goes through
/// <see cref="RunAsync"/>, which tells an outage from a misconfiguration (credentials refused, commands Redis cannot or
/// will not run) and both from a bug, and a command that certainly did nothing from one that may have run. The
/// connection is usable once <see cref="VerifyAsync"/> found what the backplane needs, checked again after every
/// failure (so on every reconnect). Each cause is logged once, when it begins (an outage as a warning, a
/// misconfiguration as an error), and its end once.
/// </summary>
internal sealed partial class RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly ILogger<RedisConnection> _logger = logger;
    private readonly Lock _state = new();
    private ConnectionMultiplexer? _redis;
    private int _down;
    private int _verified;
    private long _failures;

    // Written under _state: the outage's first reason, a misconfiguration (cleared only by a verification that passes;
    // read without the lock on every command), and the cause last logged (null: none, or its end was logged).
    private RedisProblem? _outage;
    private RedisProblem? _problem;
    private RedisProblem? _logged;

    /// <summary>This node's id in Redis (presence, live stats).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Where Redis is, as the configuration names it (<c>host:port</c>, comma-separated), for operators.</summary>
    public string Endpoint { get; private set; } = "(not connected yet)";

    /// <summary>The connection, once made: for other per-node reports (live stats) to share.</summary>
    public IConnectionMultiplexer? Multiplexer => _redis;

    /// <summary>Connected, verified since the last failure, and the last command went through.</summary>
    public bool IsUp => _redis?.IsConnected == true && !IsDown && IsVerified && Volatile.Read(ref _problem) is null;

    /// <summary>A command failed for an outage, and none went through since.</summary>
    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>Redis was found to run what the backplane needs, and nothing failed since.</summary>
    public bool IsVerified => Volatile.Read(ref _verified) == 1;

    /// <summary>
    /// Failures so far. A command's success says Redis is back only if nothing failed after it was sent: a reply that
    /// was on its way when Redis went away must not end the outage that the next command would log again.
    /// </summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Why the backplane cannot serve, in words for an operator; null when nothing is known to be wrong.</summary>
    public string? Cause
    {
        get
        {
            lock (_state)
            {
                return Standing?.Describe(Endpoint);
            }
        }
    }

    /// <summary>The cause that stands now: a misconfiguration, else an outage while down. Read under <see cref="_state"/>.</summary>
    private RedisProblem? Standing => _problem ?? (_down == 1 ? _outage : null);

    public IDatabase Database => _redis?.GetDatabase() ?? throw new BackplaneUnavailableException("Not connected to Redis yet.");

    /// <summary>Connects, or keeps trying in the background; <paramref name="restored"/> runs after each reconnect.</summary>
    public async Task ConnectAsync(Action restored)
    {
        // The options were validated at start: the string parses and names an endpoint.
        var configuration = ConfigurationOptions.Parse(options.Value.Configuration!);
        Endpoint = string.Join(", ", configuration.EndPoints.Select(endpoint => endpoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString()));
        // Keep trying in the background, and fail commands at once while disconnected: a publish gets
        // its 503 now rather than after a timeout.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) => MarkDown(RedisProblem.Of(e.Exception, e.FailureType));
        _redis.ConnectionRestored += (_, _) =>
        {
            Volatile.Write(ref _verified, 0);
            restored();
        };
    }

    /// <param name="command">What to run.</param>
    /// <param name="writes">
    /// True for a command with effects: a failure that may have come after Redis ran it (a timeout, the
    /// connection lost once the command was sent, a script stopped halfway) is then reported as such, not as "not done".
    /// </param>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, bool writes = false)
    {
        ThrowIfMisconfigured();
        var failures = Failures;
        try
        {
            var result = await command(Database).ConfigureAwait(false);
            MarkUp(failures);
            return result;
        }
        catch (Exception exception) when (IsFailure(exception))
        {
            var fault = MarkDown(exception);
            if (writes && !NotApplied(exception))
            {
                throw new PublishOutcomeUnknownException("Redis did not confirm the command; it may have run: " + exception.Message, exception);
            }

            throw new BackplaneUnavailableException("Redis cannot be used: " + exception.Message, fault, exception);
        }
    }

    /// <summary>A known misconfiguration: what would need Redis is refused without sending anything, rather than stored halfway.</summary>
    public void ThrowIfMisconfigured()
    {
        if (Volatile.Read(ref _problem) is { } problem)
        {
            throw new BackplaneUnavailableException("Redis cannot be used: " + problem.Describe(Endpoint), problem.Fault);
        }
    }

    /// <summary>
    /// Checks what the backplane needs, unless that was done since the last failure; true when Redis has it all.
    /// <paramref name="findRefused"/> names what Redis refused (null: nothing) and throws for an outage.
    /// </summary>
    public async Task<bool> VerifyAsync(Func<Task<string?>> findRefused)
    {
        if (IsVerified)
        {
            return true;
        }

        var failures = Failures;
        var missing = await findRefused().ConfigureAwait(false);
        lock (_state)
        {
            // It went through: Redis is reachable and took the credentials.
            Volatile.Write(ref _problem, missing is null ? null : new RedisProblem(BackplaneFault.Unsupported, missing));
            if (Failures == failures)
            {
                Volatile.Write(ref _down, 0);
                _outage = null;
                Volatile.Write(ref _verified, missing is null ? 1 : 0);
            }
        }

        Report();
        return IsVerified;
    }

    /// <summary>
    /// Redis away, slow or still loading its data (an outage), or refusing this node's credentials or a command (a
    /// misconfiguration): not a bug.
    /// </summary>
    public static bool IsFailure(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or BackplaneUnavailableException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal) || RedisProblem.IsMisconfiguration(server),
        _ => false,
    };

    /// <summary>Records a failure of a command (<see cref="IsFailure"/>); returns what it says about Redis.</summary>
    public BackplaneFault MarkDown(Exception exception) => MarkDown(RedisProblem.Of(exception, ConnectionFailureType.None));

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
            _outage = null;
        }

        Report();
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private BackplaneFault MarkDown(RedisProblem problem)
    {
        BackplaneFault standing;
        lock (_state)
        {
            Interlocked.Increment(ref _failures);
            Volatile.Write(ref _verified, 0);
            switch (problem.Fault)
            {
                case BackplaneFault.Unreachable:
                    Volatile.Write(ref _down, 1);
                    _outage ??= problem;
                    break;
                case BackplaneFault.Authentication when _redis?.IsConnected != true:
                    Volatile.Write(ref _down, 1);
                    Volatile.Write(ref _problem, problem);
                    break;
                case BackplaneFault.Authentication:
                    // Connected, so authenticated: the failure of an attempt from before (a password just fixed). The
                    // next verification tells.
                    break;
                default:
                    // One command refused: the next verification (the delivery tail's, within a second) names
                    // everything Redis refuses.
                    break;
            }

            standing = _problem?.Fault ?? problem.Fault;
        }

        Report();
        return standing;
    }

    /// <summary>Logs the cause that now stands, once, if it is not the one logged last: a new one, or the end of one.</summary>
    private void Report()
    {
        RedisProblem? current;
        lock (_state)
        {
            current = Standing;
            if (current is null ? _logged is null : current.IsSameCause(_logged))
            {
                return;
            }

            _logged = current;
        }

        switch (current?.Fault)
        {
            case null:
                LogAvailable(Endpoint);
                break;
            case BackplaneFault.Unreachable:
                LogUnreachable(Endpoint, current.Detail);
                break;
            case BackplaneFault.Authentication:
                LogAuthenticationRefused(Endpoint, current.Detail);
                break;
            default:
                LogUnsupported(Endpoint, current.Detail);
                break;
        }
    }

    /// <summary>
    /// Certainly not run: never written to a socket (no connection, still queued), refused by Redis for its own
    /// state before running anything (loading), as StackExchange.Redis classifies faults, or a command Redis refused
    /// as a whole (not a script that may have run part of its commands before one was refused).
    /// </summary>
    private static bool NotApplied(Exception exception) =>
        exception is BackplaneUnavailableException
        || (exception is RedisServerException server && RedisProblem.IsMisconfiguration(server) && !server.Message.Contains("script", StringComparison.OrdinalIgnoreCase))
        || new FaultContext(exception).NotApplied;
}
