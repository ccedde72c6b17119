namespace PushGateway.Tests.Infrastructure;

/// <summary>How a stream or connection ended, as the client saw it.</summary>
public enum StreamEnd
{
    /// <summary>The server ended it in order: the end of an event stream's response, or a TCP FIN.</summary>
    Completed,

    /// <summary>It broke: a reset, or a response cut off mid-way.</summary>
    Aborted,
}
