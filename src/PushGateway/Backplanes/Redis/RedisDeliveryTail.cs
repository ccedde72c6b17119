using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PushGateway.Hub;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>
/// The delivery tail: reads the delivery stream from where this node stands and hands each entry to the
/// hub, in id order, once. Woken by the doorbell each publish rings, and by a poll now and then in case a
/// ring was missed; after an outage it goes on from the last entry it delivered, so nothing in between is
/// lost (as long as the stream still holds it: <see cref="RedisOptions.DeliveryStreamLength"/>).
/// </summary>
internal sealed class RedisDeliveryTail(RedisConnection connection, RedisKeys keys, TimeProvider timeProvider)
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private const int ReadBatch = 512;
    private const long NotBehind = -1;

    private readonly RedisProbe _probe = new(connection, keys);
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private RedisValue _delivered = RedisValue.Null;
    private StrongBox<MessagePosition>? _attachedAt;
    private bool _doorbellSubscribed;

    // For the lag (Unix ms): when the loop last read to the end of the stream (this node's clock), and,
    // while it is still reading full batches, the Redis time of the newest entry it delivered.
    private long _caughtUpAt = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    private long _behindAt = NotBehind;

    /// <summary>The end of the delivery stream when this node started tailing it; null until then.</summary>
    public MessagePosition? AttachedAt => Volatile.Read(ref _attachedAt)?.Value;

    /// <summary>Wakes the loop: something may be waiting in the stream.</summary>
    public void Ring() => _doorbell.Writer.TryWrite(true);

    /// <summary>
    /// Zero while the loop has read to the end of the delivery stream. While it reads batch after full
    /// batch, how old (by the id Redis gave it) the newest entry it handed on is: what it still has to read
    /// is younger than that. During an outage (<paramref name="available"/> false), the time since it last
    /// read to the end: what it may have missed meanwhile is at most that old. Costs no command.
    /// </summary>
    public TimeSpan Lag(bool available)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var since = !available ? Interlocked.Read(ref _caughtUpAt) : Interlocked.Read(ref _behindAt);
        return since == NotBehind ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, now - since));
    }

    /// <summary>
    /// Once connected: checks that Redis runs what the backplane needs (after every failure), subscribes to the
    /// doorbell, and starts tailing from the stream's end. False while Redis refuses something: nothing is tailed.
    /// </summary>
    public async Task<bool> PrepareAsync()
    {
        if (!await connection.VerifyAsync(VerifyAsync).ConfigureAwait(false))
        {
            return false;
        }

        if (_delivered.IsNull)
        {
            var last = await connection.Database.StreamRangeAsync(keys.Delivery, "-", "+", 1, Order.Descending).ConfigureAwait(false);
            _delivered = last.Length == 0 ? "0-0" : last[0].Id;
            Volatile.Write(ref _attachedAt, new StrongBox<MessagePosition>(RedisEntry.PositionOf(_delivered)));
        }

        return true;
    }

    public async Task RunAsync(IDeliveryTarget target, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var failures = connection.Failures;
            try
            {
                if (await PrepareAsync().ConfigureAwait(false))
                {
                    await ReadAsync(target, failures).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (RedisConnection.IsFailure(exception))
            {
                connection.MarkDown(exception);
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

    /// <summary>Hands on what the delivery stream holds after the last entry delivered, up to its end.</summary>
    private async Task ReadAsync(IDeliveryTarget target, long failuresWhenSent)
    {
        StreamEntry[] batch;
        do
        {
            batch = await connection.Database.StreamReadAsync(keys.Delivery, _delivered, ReadBatch).ConfigureAwait(false);
            foreach (var entry in batch)
            {
                target.Deliver(RedisEntry.ToMessage(entry));
                _delivered = entry.Id;
            }

            Interlocked.Exchange(ref _behindAt, batch.Length == ReadBatch ? RedisEntry.PositionOf(_delivered).Epoch : NotBehind);
        }
        while (batch.Length == ReadBatch);

        Interlocked.Exchange(ref _caughtUpAt, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        connection.MarkUp(failuresWhenSent);
    }

    /// <summary>
    /// What Redis refuses of what the backplane needs (null: nothing); then, on every verification (so after every
    /// reconnect), the dataset's epoch, so that a Redis that lost its data is known as such before the node calls itself ready.
    /// </summary>
    private async Task<string?> VerifyAsync()
    {
        if (await _probe.FindRefusedAsync(SubscribeDoorbellAsync).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await connection.Database.ScriptEvaluateAsync(RedisScripts.StampEpoch, [keys.Epoch]).ConfigureAwait(false);
        return null;
    }

    private async Task SubscribeDoorbellAsync()
    {
        if (!_doorbellSubscribed)
        {
            await connection.Multiplexer!.GetSubscriber().SubscribeAsync(keys.Doorbell, (_, _) => Ring()).ConfigureAwait(false);
            _doorbellSubscribed = true;
        }
    }
}
