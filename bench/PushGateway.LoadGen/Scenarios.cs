namespace PushGateway.LoadGen;

/// <summary>The scenario names used in results.</summary>
internal static class Scenarios
{
    public const string SaturationWindow16 = "saturation-w16";
    public const string SaturationWindow64 = "saturation-w64";
    public const string SaturationLarge = "saturation-large-w64";
    public const string Idle = "idle-memory";
    public const string WarmStart = "warm-start";
    public const string Stall = "stalled-subscriber";
    public const string StallBaseline = "stall-baseline";

    public static string Load(int percent) => $"load-{percent}";
}
