using System.Net.WebSockets;

namespace PushGateway.Transports.WebSockets;

/// <summary>A socket as <see cref="WebSocketOpening"/> opened it.</summary>
/// <param name="Socket">The runtime's socket: handshake, control frames, closing.</param>
/// <param name="Batching">The stream beneath it, which batches writes; null within an HTTP/2 request.</param>
/// <param name="AbortConnection">Cuts a handed-off connection off, which aborting the socket does not; null within a request.</param>
/// <param name="Compressed">Whether permessage-deflate was agreed: messages go out in a compressed format.</param>
internal readonly record struct OpenedSocket(WebSocket Socket, BatchingUpgradeStream? Batching, Action? AbortConnection, bool Compressed);
