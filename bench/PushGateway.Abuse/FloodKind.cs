namespace PushGateway.Abuse;

/// <summary>What one flood connection does once connected.</summary>
internal enum FloodKind
{
    /// <summary>Nothing: a TCP connection that never sends a byte.</summary>
    Bare,

    /// <summary><c>GET /sse?topic=flood</c>, then never reads again.</summary>
    Sse,

    /// <summary>A WebSocket upgrade on <c>/ws?topic=flood</c>, then never reads again.</summary>
    Ws,
}
