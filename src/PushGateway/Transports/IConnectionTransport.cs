using PushGateway.Hub;

namespace PushGateway.Transports;

/// <summary>
/// What a transport plugs into <see cref="PushConnection"/>: its framing (how messages and a close are
/// written) and its inbound side. <see cref="PushConnection"/> calls the writing members from its one
/// writer loop, never two at once: <see cref="Append"/> until the batch is full or the inbox empty, then
/// one <see cref="FlushAsync"/> per batch, and at the end one <see cref="CloseAsync"/>.
/// </summary>
internal interface IConnectionTransport : IDisposable
{
    /// <summary>Writes what precedes the first message (SSE: the <c>retry:</c> and a gap notice), without flushing.</summary>
    void WriteOpening();

    /// <summary>
    /// Adds <paramref name="message"/> to the batch, in this transport's wire format (the one place a
    /// transport names it), without flushing. Allocates nothing: the frame is shared by every subscriber.
    /// </summary>
    /// <returns>Whether the batch takes another message (a bound on a batch's bytes, or none).</returns>
    bool Append(GatewayMessage message);

    /// <summary>
    /// Writes the batch with one flush. Called also when the writer was woken with nothing to write,
    /// so that a transport can send what it owes an idle client meanwhile (SSE: a heartbeat).
    /// </summary>
    ValueTask FlushAsync();

    /// <summary>
    /// Ends the connection for <paramref name="reason"/> with what this transport can say (a close frame,
    /// a <c>retry:</c>, nothing); after an <see cref="Abort"/>, tears down what is left. Never throws for a
    /// broken connection.
    /// </summary>
    ValueTask CloseAsync(ConnectionCloseReason reason);

    /// <summary>
    /// Cuts the connection off (the close timeout passed): a write in flight fails. Called on a timer's
    /// thread, possibly while the connection ends; returns false when the connection had already ended.
    /// </summary>
    bool Abort();

    /// <summary>For the connection log: <paramref name="reason"/> as this transport told the client (a WebSocket names its close code).</summary>
    string Describe(ConnectionCloseReason reason);

    /// <summary>Why the connection ended when a write failed and no reason was given before (the client left, or it broke).</summary>
    ConnectionCloseReason WriteFailed(Exception exception);

    /// <summary>
    /// The inbound side: reads what the client sends until it closes or <paramref name="connection"/> is
    /// closing, and reports through <see cref="PushConnection.RequestClose"/>. A transport that reads
    /// nothing only watches for the client leaving, and returns at once.
    /// </summary>
    Task ReceiveAsync(PushConnection connection);
}
