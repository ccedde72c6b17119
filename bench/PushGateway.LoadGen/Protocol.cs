namespace PushGateway.LoadGen;

/// <summary>How a subscriber (or the publisher) talks to a contestant.</summary>
internal enum Protocol
{
    /// <summary>RFC 6455; the publisher sends text messages, every client receives every message.</summary>
    WebSocket,

    /// <summary><c>text/event-stream</c> over HTTP/1.1 (chunked); published by another transport.</summary>
    Sse,

    /// <summary>PushGateway's WebSocket sub-protocol <c>pushgateway.v1.json</c>: a subscribe frame, then JSON message envelopes.</summary>
    PushGatewayV1,

    /// <summary>The SignalR JSON hub protocol over WebSocket.</summary>
    SignalR,

    /// <summary>Newline-terminated records on a plain TCP socket.</summary>
    RawTcp,

    /// <summary>Pipelined <c>POST</c>s of a <c>text/plain</c> body (publisher only).</summary>
    HttpPost,
}
