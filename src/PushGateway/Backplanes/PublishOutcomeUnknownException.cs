namespace PushGateway.Backplanes;

/// <summary>
/// The backplane took a publish but never confirmed it (a timeout, or the connection lost after the
/// request was sent): the message may or may not have been stored and delivered (answer 504, close 1013).
/// </summary>
internal sealed class PublishOutcomeUnknownException : Exception
{
    public PublishOutcomeUnknownException()
    {
    }

    public PublishOutcomeUnknownException(string message)
        : base(message)
    {
    }

    public PublishOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
