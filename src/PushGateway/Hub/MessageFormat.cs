namespace PushGateway.Hub;

/// <summary>
/// A wire format a transport writes messages in (an SSE frame, a WebSocket frame, …). The hub never names
/// one: a transport defines its format once, in a static field, and asks each message for its bytes with
/// <see cref="GatewayMessage.EncodedAs"/>, which encodes on first use and hands every later subscriber the
/// same bytes. Formats are told apart by reference.
/// </summary>
/// <param name="name">For logs and tests.</param>
/// <param name="encode">
/// The message's complete bytes in this format. Called once per message (a writer that races another on a
/// message's first use waits for its bytes), never for a format nobody reads.
/// </param>
internal sealed class MessageFormat(string name, Func<GatewayMessage, ReadOnlyMemory<byte>> encode)
{
    public string Name { get; } = name;

    public ReadOnlyMemory<byte> Encode(GatewayMessage message) => encode(message);

    public override string ToString() => Name;
}
