using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PushGateway.Hub;
using StackExchange.Redis;
using StackExchange.Redis.Availability;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Several nodes, one gateway. A publish appends the message to a delivery stream and to each of its
/// topics' streams under one Redis id (a script, so atomically), and rings a doorbell; every node
/// tails the delivery stream from where it stands and hands each message to its hub, so each node
/// gets every message once and in order. History and resume read the topic streams, whose ids are
/// the delivery stream's: comparable across topics and nodes, which is what lets a client resume on
/// any node. When Redis is away, local connections carry on, publishes fail (503 when certainly not
/// stored, 504 when Redis may have stored them), the outage is logged once, and delivery catches up
/// from where it stopped when Redis is back.
/// </summary>
internal sealed partial class RedisBackplane : IBackplane, IAsyncDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private const int ReadBatch = 512;
    private const long NotBehind = -1;

    private readonly RedisOptions _options;
    private readonly RedisKeys _keys;
    private readonly string _nodeId = Guid.NewGuid().ToString("N");
    private readonly ILogger<RedisBackplane> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private IDeliveryTarget? _target;
    private Task _loops = Task.CompletedTask;
    private RedisValue _delivered = RedisValue.Null;
    private StrongBox<MessageId>? _attachedAt;
    private bool _doorbellSubscribed;
    private bool _epochStamped;
    private int _down;

    // For DeliveryLag (Unix ms): when the delivery loop last read to the end of the stream (this node's
    // clock), and, while it is still reading full batches, the Redis time of the newest entry it delivered.
    private long _caughtUpAt;
    private long _behindAt = NotBehind;

    public RedisBackplane(IOptions<RedisOptions> options, TimeProvider timeProvider, ILogger<RedisBackplane> logger)
    {
        _options = options.Value;
        _keys = new RedisKeys(_options.KeyPrefix);
        _timeProvider = timeProvider;
        _logger = logger;
        _caughtUpAt = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public bool IsDistributed => true;

    /// <summary>This node's id in Redis (presence, live stats).</summary>
    public string NodeId => _nodeId;

    /// <summary>The connection, once started: for other per-node reports (live stats) to share.</summary>
    public IConnectionMultiplexer? Connection => _redis;

    public string Name => "redis";

    /// <summary>
    /// Zero while the delivery loop has read to the end of the delivery stream. While it reads batch
    /// after full batch, how old (by the id Redis gave it) the newest entry it handed on is: what it
    /// still has to read is younger than that. During an outage, the time since it last read to the
    /// end: what it may have missed meanwhile is at most that old. Costs no command: it is kept up to
    /// date by the loop.
    /// </summary>
    public TimeSpan? DeliveryLag
    {
        get
        {
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var since = !IsAvailable ? Interlocked.Read(ref _caughtUpAt) : Interlocked.Read(ref _behindAt);
            return since == NotBehind ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, now - since));
        }
    }

    /// <summary>Connected, tailing the delivery stream, and the last command went through.</summary>
    public bool IsAvailable => _redis?.IsConnected == true && Volatile.Read(ref _attachedAt) is not null && Volatile.Read(ref _down) == 0;

    private IDatabase Database => _redis?.GetDatabase() ?? throw new BackplaneUnavailableException("Not connected to Redis yet.");

    public void Attach(IDeliveryTarget target) => _target = target;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration!);
        // Keep trying in the background, and fail commands at once while disconnected: a publish gets
        // its 503 now rather than after a timeout.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) => MarkDown(e.Exception?.Message ?? e.FailureType.ToString());
        _redis.ConnectionRestored += (_, _) => _doorbell.Writer.TryWrite(true);
        try
        {
            // Ready as soon as the host is, when Redis is: messages published from now on reach this node.
            await EnsureTailingAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            MarkDown(exception.Message);
        }

        _loops = Task.WhenAll(DeliverLoopAsync(_stopping.Token), ReportPresenceLoopAsync(_stopping.Token));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        // A loop cut off mid-command by the shutdown has nothing left to report.
        await _loops.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        // Stops the loops if the host did not (a test host may dispose its services while stopping);
        // the token source is left undisposed on purpose: StopAsync may still be on its way.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask<GatewayMessage> PublishAsync(MessageDraft draft, CancellationToken cancellationToken)
    {
        RedisKey[] keys = draft.CustomId is null
            ? [_keys.Delivery, _keys.Epoch, .. draft.Topics.Select(_keys.Topic)]
            : [_keys.Delivery, _keys.Epoch, .. draft.Topics.Select(_keys.Topic), _keys.Published(draft)];
        RedisValue[] values =
        [
            _options.DeliveryStreamLength, _options.HistoryPerTopic, _keys.Doorbell.ToString(), draft.Topics.Count,
            (long)_options.DeduplicationWindow.TotalSeconds, .. RedisEntry.Fields(draft),
        ];
        var id = await RunAsync(database => database.ScriptEvaluateAsync(RedisScripts.Publish, keys, values), writes: true).ConfigureAwait(false);
        return GatewayMessage.Create(RedisEntry.ParseId((string?)id), draft);
    }

    public async ValueTask<HistoryPage> ReadHistoryAsync(
        string lastEventId, MessageId? upTo, IReadOnlySet<string> topics, CancellationToken cancellationToken)
    {
        // Nothing delivered to this node yet: the subscriber joined where the node started tailing.
        var end = upTo ?? Volatile.Read(ref _attachedAt)?.Value
            ?? throw new BackplaneUnavailableException("Not attached to the delivery stream yet.");
        var lastSeen = await ResolveAsync(lastEventId, topics, end).ConfigureAwait(false);
        var messages = new SortedDictionary<MessageId, GatewayMessage>(MessageId.Order);
        var complete = lastSeen is not null;
        foreach (var topic in topics)
        {
            // Up to the newest, not just to end: the first entry after the client's id is the one that
            // tells whether anything between the two was trimmed, wherever it stands.
            var entries = await RunAsync(database => database.StreamRangeAsync(
                _keys.Topic(topic), lastSeen is { } seen ? "(" + seen : "-", "+")).ConfigureAwait(false);
            if (complete && entries.Length > 0 && MissedBefore(entries[0], lastSeen!.Value))
            {
                complete = false;
            }

            foreach (var entry in entries)
            {
                var id = RedisEntry.ParseId(entry.Id);
                if (!id.IsAfter(end))
                {
                    messages.TryAdd(id, RedisEntry.ToMessage(entry));
                }
            }
        }

        return new HistoryPage([.. messages.Values], complete ? ResumeStatus.Complete : ResumeStatus.Gap);
    }

    public async ValueTask<bool> TryClaimAsync(string name, TimeSpan hold, CancellationToken cancellationToken) =>
        await RunAsync(database => database.StringSetAsync(_keys.Claim(name), _nodeId, hold, When.NotExists)).ConfigureAwait(false);

    public async ValueTask<TopicPresence> GetPresenceAsync(string topic, int localSubscribers, CancellationToken cancellationToken)
    {
        var others = 0L;
        var server = _redis?.GetServers().FirstOrDefault(s => s.IsConnected) ?? throw new BackplaneUnavailableException("Not connected to Redis.");
        var own = _keys.Node(_nodeId).ToString();
        await foreach (var node in server.KeysAsync(pattern: _keys.NodePattern).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (node.ToString() != own)
            {
                var count = await RunAsync(database => database.HashGetAsync(node, topic)).ConfigureAwait(false);
                others += count.IsNull ? 0 : (long)count;
            }
        }

        var newest = await RunAsync(database => database.StreamRangeAsync(_keys.Topic(topic), "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        var lastEventId = newest.Length == 0 ? null : RedisEntry.ToMessage(newest[0]).EventId;
        return new TopicPresence((int)Math.Min(int.MaxValue, localSubscribers + others), lastEventId);
    }

    /// <summary>Where the client stands: its id if it is one of this dataset's, the entry of a publisher's own id, or null (unknown).</summary>
    private async Task<MessageId?> ResolveAsync(string lastEventId, IReadOnlySet<string> topics, MessageId end)
    {
        if (MessageId.TryParse(lastEventId, out var id))
        {
            var epoch = await RunAsync(database => database.StringGetAsync(_keys.Epoch)).ConfigureAwait(false);
            // An id from before this dataset began (Redis restarted without persistence) cannot be placed.
            if (!epoch.IsNull && id.Value.Epoch < (long)epoch)
            {
                return null;
            }

            // Ahead of this node is fine (it may lag the node the client came from); ahead of Redis, the
            // id was never issued and cannot be placed either.
            return id.Value.IsAfter(end) && !await IssuedAsync(id.Value).ConfigureAwait(false) ? null : id;
        }

        foreach (var topic in topics)
        {
            var entries = await RunAsync(database => database.StreamRangeAsync(
                _keys.Topic(topic), "-", end.ToString(), _options.HistoryPerTopic, Order.Descending)).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (entry[RedisEntry.CustomId] == lastEventId)
                {
                    return RedisEntry.ParseId(entry.Id);
                }
            }
        }

        return null;
    }

    private async Task<bool> IssuedAsync(MessageId id)
    {
        var newest = await RunAsync(database => database.StreamRangeAsync(_keys.Delivery, "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        return newest.Length > 0 && !id.IsAfter(RedisEntry.ParseId(newest[0].Id));
    }

    /// <summary>
    /// True when the topic lost an entry the client never saw: the one before <paramref name="next"/> (the
    /// first held after <paramref name="lastSeen"/>) is newer than <paramref name="lastSeen"/>, so trimming
    /// took it. An entry written before topic entries named their predecessor counts as a loss: it cannot tell.
    /// </summary>
    private static bool MissedBefore(StreamEntry next, MessageId lastSeen) =>
        !MessageId.TryParse(next[RedisEntry.Previous].ToString(), out var previous) || previous.Value.IsAfter(lastSeen);

    private async Task DeliverLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await EnsureTailingAsync().ConfigureAwait(false);
                if (Volatile.Read(ref _down) == 1 || !_epochStamped)
                {
                    await Database.ScriptEvaluateAsync(RedisScripts.StampEpoch, [_keys.Epoch]).ConfigureAwait(false);
                    _epochStamped = true;
                }

                StreamEntry[] batch;
                do
                {
                    batch = await Database.StreamReadAsync(_keys.Delivery, _delivered, ReadBatch).ConfigureAwait(false);
                    foreach (var entry in batch)
                    {
                        _target?.Deliver(RedisEntry.ToMessage(entry));
                        _delivered = entry.Id;
                    }

                    Interlocked.Exchange(ref _behindAt, batch.Length == ReadBatch ? RedisEntry.ParseId(_delivered).Epoch : NotBehind);
                }
                while (batch.Length == ReadBatch);

                Interlocked.Exchange(ref _caughtUpAt, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());

                MarkUp();
            }
            catch (Exception exception) when (IsRedisFailure(exception))
            {
                MarkDown(exception.Message);
            }

            try
            {
                // The doorbell, or a poll now and then in case a ring was missed (reconnects).
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                wait.CancelAfter(IdlePoll);
                await _doorbell.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                // Poll.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Once connected: subscribes to the doorbell, and starts tailing from the stream's end.</summary>
    private async Task EnsureTailingAsync()
    {
        if (!_doorbellSubscribed)
        {
            await _redis!.GetSubscriber().SubscribeAsync(_keys.Doorbell, (_, _) => _doorbell.Writer.TryWrite(true)).ConfigureAwait(false);
            _doorbellSubscribed = true;
        }

        if (_delivered.IsNull)
        {
            var last = await Database.StreamRangeAsync(_keys.Delivery, "-", "+", 1, Order.Descending).ConfigureAwait(false);
            _delivered = last.Length == 0 ? "0-0" : last[0].Id;
            Volatile.Write(ref _attachedAt, new StrongBox<MessageId>(RedisEntry.ParseId(_delivered)));
        }
    }

    private async Task ReportPresenceLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.PresenceInterval);
        var key = _keys.Node(_nodeId);
        do
        {
            try
            {
                var counts = _target?.SubscriberCounts() ?? new Dictionary<string, int>();
                var transaction = Database.CreateTransaction();
                _ = transaction.KeyDeleteAsync(key);
                if (counts.Count > 0)
                {
                    _ = transaction.HashSetAsync(key, [.. counts.Select(pair => new HashEntry(pair.Key, pair.Value))]);
                    _ = transaction.KeyExpireAsync(key, _options.PresenceInterval * 3);
                }

                await transaction.ExecuteAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsRedisFailure(exception))
            {
                MarkDown(exception.Message);
            }
        }
        while (await WaitAsync(timer, stopping).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <param name="command">What to run.</param>
    /// <param name="writes">
    /// True for a command with effects: a failure that may have come after Redis ran it (a timeout, the
    /// connection lost once the command was sent) is then reported as such, not as "not done".
    /// </param>
    private async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, bool writes = false)
    {
        try
        {
            var result = await command(Database).ConfigureAwait(false);
            MarkUp();
            return result;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            MarkDown(exception.Message);
            if (writes && !NotApplied(exception))
            {
                throw new PublishOutcomeUnknownException("Redis did not confirm the command; it may have run: " + exception.Message, exception);
            }

            throw new BackplaneUnavailableException("Redis is unavailable: " + exception.Message, exception);
        }
    }

    /// <summary>
    /// Certainly not run: never written to a socket (no connection, still queued), or refused by Redis
    /// for its own state before running anything (loading), as StackExchange.Redis classifies faults.
    /// </summary>
    private static bool NotApplied(Exception exception) =>
        exception is BackplaneUnavailableException || new FaultContext(exception).NotApplied;

    /// <summary>Redis away, slow, or still loading its data: an outage, not a bug.</summary>
    private static bool IsRedisFailure(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or BackplaneUnavailableException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal),
        _ => false,
    };

    private void MarkDown(string reason)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogUnavailable(reason);
        }
    }

    private void MarkUp()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogAvailable();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Redis backplane unavailable ({Reason}): serving local connections only, publishes fail; retrying")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis backplane available again: cross-node delivery resumes")]
    private partial void LogAvailable();
}
