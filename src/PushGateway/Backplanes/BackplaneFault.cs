namespace PushGateway.Backplanes;

/// <summary>Why the backplane cannot serve: what an operator (and a refused publisher) is told.</summary>
internal enum BackplaneFault
{
    /// <summary>Cannot be reached (down, restarting, the network): it comes back by itself.</summary>
    Unreachable,

    /// <summary>Reached, but it refused this node's credentials: a configuration error.</summary>
    Authentication,

    /// <summary>Reached, but it cannot run, or will not let this node run, commands the backplane needs: a configuration error.</summary>
    Unsupported,
}
