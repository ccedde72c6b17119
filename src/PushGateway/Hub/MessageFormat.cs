namespace PushGateway.Hub;

/// <summary>
/// A wire format a transport writes messages in (an SSE frame, a WebSocket frame, …). The hub never names
/// one: a transport defines its format once, as a singleton, and asks each message for its bytes with
/// <see cref="GatewayMessage.EncodedAs"/>, which encodes on first use and hands every later subscriber the
/// same bytes.
/// </summary>
internal abstract class MessageFormat
{
    /// <summary>For logs and tests.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The message's complete bytes in this format. Called about once per message (two writers that race on a
    /// message's first use may both encode it; one result is kept), never for a format nobody reads.
    /// </summary>
    public abstract ReadOnlyMemory<byte> Encode(GatewayMessage message);

    public override string ToString() => Name;
}
