namespace PushGateway.Backplanes;

/// <summary>The backplane cannot serve: the operation certainly did not happen (answer 503, close 1013).</summary>
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

    public BackplaneUnavailableException(string message, BackplaneFault fault, Exception? innerException = null)
        : base(message, innerException) => Fault = fault;

    /// <summary>Why: an outage, or a configuration error that only an operator can fix.</summary>
    public BackplaneFault Fault { get; }

    /// <summary>Why, in a few words for a client (no address, no command names).</summary>
    public string Reason => Fault switch
    {
        BackplaneFault.Authentication => "the backplane refused this node's credentials",
        BackplaneFault.Unsupported => "the backplane does not allow commands the gateway needs",
        _ => "the backplane cannot be reached",
    };
}
