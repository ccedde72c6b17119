using System.ComponentModel.DataAnnotations;

namespace PushGateway.Transports.WebSockets;

/// <summary>The <c>/ws</c> endpoint; bound from <c>PushGateway:WebSockets</c>.</summary>
internal sealed class WebSocketTransportOptions
{
    public const string Section = "PushGateway:WebSockets";

    /// <summary>Largest message a client may send, in bytes; a larger one closes the socket with 1009. Default 4096.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 4096;

    /// <summary>Time between server pings. Default 30 seconds; zero turns pings off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a ping may go unanswered before the connection is aborted. Default 20 seconds;
    /// zero sends unsolicited pongs instead and never times out.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a closing handshake may take (for a slow client, also the wait for its pending send)
    /// before the connection is aborted. Default 5 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Browser origins (scheme://host[:port]) allowed to open a socket; a request from another
    /// origin gets 403. Empty (the default) allows any. Requests without an Origin header (non-browser
    /// clients) are always allowed.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}
