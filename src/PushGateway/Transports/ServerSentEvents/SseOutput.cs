using System.IO.Pipelines;

namespace PushGateway.Transports.ServerSentEvents;

/// <summary>Where a stream's bytes go and how it ends: the response, or a connection handed off by the HTTP layer.</summary>
/// <param name="Body">The output pipe.</param>
/// <param name="Abort">Cuts the connection off.</param>
/// <param name="Chunked">Whether the stream frames HTTP/1.1 chunks itself (the response's pipe does it for the response).</param>
/// <param name="ClientGone">Cancelled when the client has left.</param>
internal readonly record struct SseOutput(PipeWriter Body, Action Abort, bool Chunked, CancellationToken ClientGone);
