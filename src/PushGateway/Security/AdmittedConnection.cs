using System.Net;
using Microsoft.AspNetCore.Connections;
using PushGateway.Transports.Handoff;

namespace PushGateway.Security;

/// <summary>
/// A connection that <see cref="ConnectionAdmission"/> let in, as a connection feature: it knows whether a request
/// is running on it, because a connection between requests (or before its first one) may be closed to make room.
/// </summary>
internal sealed class AdmittedConnection(ConnectionContext connection, IPAddress? address, ConnectionAdmission admission)
{
    public ConnectionContext Connection => connection;

    public IPAddress? Address => address;

    /// <summary>Its place in the admission's list of connections without a request (or between requests); null while a request runs. Guarded by the admission's lock.</summary>
    public LinkedListNode<AdmittedConnection>? IdleNode { get; set; }

    /// <summary>Requests running on it (HTTP/2 runs several). Guarded by the admission's lock.</summary>
    public int ActiveRequests { get; set; }

    /// <summary>False once it has left. Guarded by the admission's lock.</summary>
    public bool IsOpen { get; set; } = true;

    /// <summary>Runs a request on this connection: meanwhile it is not idle, nor while the stream it handed off runs.</summary>
    public async Task RunRequestAsync(HttpContext context, RequestDelegate next)
    {
        admission.RequestStarted(this);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            ConnectionHandoff.ReleaseWhenEnded(context, () => admission.RequestEnded(this));
        }
    }
}
