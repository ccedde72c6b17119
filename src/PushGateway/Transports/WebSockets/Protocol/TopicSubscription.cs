using PushGateway.Hub;

namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// One topic a sub-protocol socket subscribed to: its own hub <see cref="Subscription"/>, so that its resume is the
/// hub's (a replay, then live delivery exactly after it), whenever in the socket's life it was asked for.
/// </summary>
internal sealed class TopicSubscription(string topic, Subscription subscription) : IDisposable
{
    private CancellationTokenRegistration _closed;

    public string Topic { get; } = topic;

    public Subscription Subscription { get; } = subscription;

    /// <summary>The replay not written yet: taken by the writer before the first live message.</summary>
    public IReadOnlyList<GatewayMessage>? PendingReplay { get; set; } = subscription.Replay;

    /// <summary>Closes <paramref name="connection"/> when the hub ends this subscription (a full inbox, shutdown).</summary>
    public void CloseWith(PushConnection connection) =>
        _closed = Subscription.Closed.Register(
            static state =>
            {
                var (connection, subscription) = ((PushConnection, Subscription))state!;
                connection.RequestClose(ConnectionCloseReason.For(subscription.CloseReason!.Value));
            },
            (connection, Subscription));

    public void Dispose()
    {
        _closed.Dispose();
        Subscription.Dispose();
    }
}
