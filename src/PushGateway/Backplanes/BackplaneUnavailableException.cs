namespace PushGateway.Backplanes;

/// <summary>The backplane cannot be reached: the operation certainly did not happen (answer 503, close 1013).</summary>
internal sealed class BackplaneUnavailableException : Exception
{
    public BackplaneUnavailableException()
    {
    }

    public BackplaneUnavailableException(string message)
        : base(message)
    {
    }

    public BackplaneUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
