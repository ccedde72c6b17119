namespace PushGateway.Observability;

/// <summary>The console log's format.</summary>
internal enum LogFormat
{
    /// <summary><c>[12:00:00 INF] Source: message</c>, one line per event.</summary>
    Text,

    /// <summary>Serilog's compact JSON (CLEF): one JSON object per line, every property kept.</summary>
    Json,
}
