namespace PushGateway.Bench;

/// <summary>How every bench tool runs the gateway (each compiles this file in).</summary>
internal static class BenchmarkGateway
{
    /// <summary>
    /// Environment for a gateway under measurement: every client comes from 127.0.0.1 and publishers send thousands of
    /// messages a second, so the per-address caps and rates are lifted; no ticker, and no pings a generator would not
    /// answer; warnings and worse only.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["PushGateway__Limits__MaxConnectionsPerAddress"] = "1000000",
        ["PushGateway__Limits__MaxSocketsPerAddress"] = "0",
        ["PushGateway__Limits__MessageBurst"] = "1000000",
        ["PushGateway__Limits__MessagesPerPeriod"] = "1000000",
        ["PushGateway__Limits__MessageRatePeriod"] = "00:00:00.001",
        ["PushGateway__Ticker__Enabled"] = "false",
        ["PushGateway__WebSockets__KeepAliveInterval"] = "00:00:00",
        ["Serilog__MinimumLevel__Default"] = "Warning",
    };
}
