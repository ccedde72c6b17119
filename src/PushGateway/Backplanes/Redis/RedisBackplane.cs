using Microsoft.Extensions.Options;
using PushGateway.Hub;
using PushGateway.Publishing;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// Several nodes, one gateway, made of its jobs: the connection and its state (<see cref="RedisConnection"/>),
/// publishing (<see cref="RedisPublisher"/>), history and resume (<see cref="RedisHistory"/>), the delivery
/// tail that hands every message to this node's hub (<see cref="RedisDeliveryTail"/>) and presence
/// (<see cref="RedisPresence"/>). When Redis is away, local connections carry on, publishes fail (503 when
/// certainly not stored, 504 when Redis may have stored them), the outage is logged once, and delivery
/// catches up from where it stopped when Redis is back.
/// </summary>
internal sealed class RedisBackplane : IBackplane, IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisDeliveryTail _tail;
    private readonly RedisPublisher _publisher;
    private readonly RedisHistory _history;
    private readonly RedisPresence _presence;
    private readonly CancellationTokenSource _stopping = new();
    private IDeliveryTarget? _target;
    private Task _loops = Task.CompletedTask;

    public RedisBackplane(IOptions<RedisOptions> options, IOptions<PublishOptions> publishing, RedisConnection connection, TimeProvider timeProvider)
    {
        var keys = new RedisKeys(options.Value.KeyPrefix);
        _connection = connection;
        _tail = new RedisDeliveryTail(connection, keys, timeProvider);
        _publisher = new RedisPublisher(connection, keys, options.Value, publishing.Value);
        _history = new RedisHistory(connection, keys, options.Value, _tail);
        _presence = new RedisPresence(connection, keys, options.Value);
    }

    public string Name => "redis";

    /// <summary>Connected, found to run what the backplane needs, tailing the delivery stream, and the last command went through.</summary>
    public bool IsAvailable => _connection.IsUp && _tail.AttachedAt is not null;

    public string Status => IsAvailable ? $"Redis at {_connection.Endpoint} available" : _connection.Cause ?? $"connecting to Redis at {_connection.Endpoint}";

    public TimeSpan? DeliveryLag => _tail.Lag(IsAvailable);

    public async Task StartAsync(IDeliveryTarget target, CancellationToken cancellationToken)
    {
        _target = target;
        await _connection.ConnectAsync(_tail.Ring).ConfigureAwait(false);
        try
        {
            // Ready as soon as the host is, when Redis is and runs what the backplane needs: messages published from
            // now on reach this node. Else the cause is logged before the host starts listening.
            await _tail.PrepareAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (RedisConnection.IsFailure(exception))
        {
            _connection.MarkDown(exception);
        }

        _loops = Task.WhenAll(_tail.RunAsync(target, _stopping.Token), _presence.ReportAsync(target, _stopping.Token));
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
        // the token source is left undisposed on purpose: StopAsync may still be on its way. The
        // connection, a service of its own, is disposed after this.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public ValueTask<PublishResult> PublishAsync(MessageDraft draft, CancellationToken cancellationToken) => _publisher.PublishAsync(draft);

    /// <summary>Other nodes could not replay a message of this node's: it goes to this node's hub only, without id.</summary>
    public ValueTask<MessagePosition?> PublishToThisNodeAsync(MessageDraft draft, CancellationToken cancellationToken)
    {
        _target?.Deliver(GatewayMessage.Create(position: null, draft));
        return ValueTask.FromResult<MessagePosition?>(null);
    }

    public ValueTask<bool> TryClaimAsync(string name, TimeSpan hold, CancellationToken cancellationToken) => _publisher.TryClaimAsync(name, hold);

    /// <summary>This node may lag the one the client came from: what it delivers late, the client already has.</summary>
    public MessagePosition? SeenThrough(string lastEventId) => MessagePosition.TryParse(lastEventId, out var position) ? position : null;

    public ValueTask<HistoryPage> ReadHistoryAsync(string lastEventId, MessagePosition? upTo, IReadOnlySet<string> topics, CancellationToken cancellationToken) =>
        _history.ReadAsync(lastEventId, upTo, topics);

    public ValueTask<TopicPresence> GetPresenceAsync(string topic, int localSubscribers, CancellationToken cancellationToken) =>
        _presence.GetAsync(topic, localSubscribers, cancellationToken);
}
