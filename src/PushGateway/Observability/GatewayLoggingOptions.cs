namespace PushGateway.Observability;

/// <summary>How the gateway writes its logs (<c>PushGateway:Logging</c>). Levels are set in <c>Serilog:MinimumLevel</c>.</summary>
internal sealed class GatewayLoggingOptions
{
    public const string Section = "PushGateway:Logging";

    /// <summary>
    /// <see cref="LogFormat.Text"/> (default): one readable line per event. <see cref="LogFormat.Json"/>: Serilog's
    /// compact JSON, one object per line, for log shippers.
    /// </summary>
    public LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>
    /// How often one line sums up the HTTP requests answered (by method, route and status), which are
    /// otherwise logged one by one only at Debug (errors excepted). Default one minute; zero turns it off.
    /// </summary>
    public TimeSpan RequestSummaryInterval { get; set; } = TimeSpan.FromMinutes(1);
}
