namespace PushGateway.Hosting;

/// <summary>A request body read by <see cref="RequestBodyReader"/>: its value, or the answer to give instead.</summary>
/// <param name="Value">The body; null for a JSON <c>null</c>, and when <paramref name="Problem"/> is set.</param>
/// <param name="Problem">When the body could not be read: the response to send, already fitted to the failure.</param>
internal readonly record struct BodyRead<T>(T? Value, IResult? Problem);
