namespace PushGateway.Hub;

/// <summary>Why the hub ended a subscription.</summary>
internal enum SubscriptionCloseReason
{
    /// <summary>The subscriber's queue was full: it reads slower than messages arrive.</summary>
    SlowConsumer,

    /// <summary>The server is shutting down; the client should reconnect (elsewhere).</summary>
    ServerShutdown,
}
