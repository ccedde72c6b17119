using System.Diagnostics;
using System.Globalization;
using PushGateway.Client;

namespace PushGateway.Abuse.Faults;

/// <summary>
/// One subscriber on the project's own client (<see cref="PushSubscriber"/>, which reconnects and resumes by itself),
/// recording every message by publisher sequence, every arrival that came after a later position, and every gap notice.
/// </summary>
internal sealed class FaultSubscriber(PushSubscriber client, string topic, PushTransport transport) : ISubscriber
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<long> _outOfOrder = [];
    private readonly List<long> _gaps = [];
    private Task _loop = Task.CompletedTask;
    private (long Epoch, long Sequence) _highest;

    public string Topic { get; } = topic;

    public PushTransport Transport { get; } = transport;

    public Receipts Receipts { get; } = new();

    public string? DropReason { get; private set; }

    /// <summary>Publisher sequences that arrived after a message the gateway had placed later (a higher position).</summary>
    public IReadOnlyList<long> OutOfOrder
    {
        get
        {
            lock (_lock)
            {
                return [.. _outOfOrder];
            }
        }
    }

    /// <summary>When each gap notice arrived (<see cref="Stopwatch"/> timestamps).</summary>
    public IReadOnlyList<long> Gaps
    {
        get
        {
            lock (_lock)
            {
                return [.. _gaps];
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => ReceiveAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var message in client.SubscribeAsync([Topic], null, stop).ConfigureAwait(false))
            {
                if (message.IsGap)
                {
                    lock (_lock)
                    {
                        _gaps.Add(Stopwatch.GetTimestamp());
                    }
                }
                else if (AbusePayload.TryRead(message.Data, out var sequence, out _))
                {
                    Note(sequence, message.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
        catch (Exception exception) when (exception is PushGatewayException or HttpRequestException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // The client gave up (it throws only for what it thinks reconnecting will not change).
            DropReason = $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    private void Note(long sequence, string? id)
    {
        var duplicate = Receipts.Of(sequence).Count > 0;
        Receipts.Add(sequence);
        if (duplicate || Position(id) is not { } position)
        {
            return;
        }

        lock (_lock)
        {
            if (position.CompareTo(_highest) < 0)
            {
                _outOfOrder.Add(sequence);
            }
            else
            {
                _highest = position;
            }
        }
    }

    /// <summary>The gateway's <c>{epoch}-{sequence}</c> id as a pair that orders as the stream does.</summary>
    private static (long Epoch, long Sequence)? Position(string? id) =>
        id?.Split('-') is [var epoch, var sequence]
        && long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var e)
        && long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? (e, s)
            : null;
}
