namespace PushGateway.Client;

/// <summary>Where the gateway is and how to reach it; bound by <see cref="PushGatewayClientServiceCollectionExtensions.AddPushGatewayClient"/>.</summary>
public sealed class PushGatewayClientOptions
{
    /// <summary>The gateway's base address, e.g. <c>https://push.example.com/</c> (a load balancer in front of every node). Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// Gives the token to send as <c>Authorization: Bearer</c>, asked again for every request and every reconnect, so
    /// that a refreshed token is used as soon as it exists; null (the default), or a null token, sends none.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessToken { get; set; }

    /// <summary>
    /// How <see cref="PushSubscriber"/> subscribes: Server-Sent Events (the default: plain HTTP, through any proxy), or
    /// the WebSocket sub-protocol <c>pushgateway.v1.json</c> (one subscription per topic, each resumed from its own id).
    /// </summary>
    public PushTransport Transport { get; set; } = PushTransport.ServerSentEvents;

    /// <summary>The first wait before a subscription reconnects after a failure; doubled per failure, with jitter. Default 1 second.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two reconnect attempts. Default 30 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How a subscription reaches the gateway.</summary>
public enum PushTransport
{
    /// <summary><c>GET /sse</c>, resumed with <c>Last-Event-ID</c>.</summary>
    ServerSentEvents,

    /// <summary><c>/ws</c> with the sub-protocol <c>pushgateway.v1.json</c>, each topic resumed after its own last id.</summary>
    WebSocket,
}
