namespace PushGateway.Hub;

/// <summary>
/// The Unicode control characters (category Cc): C0 (U+0000–U+001F), DEL (U+007F) and C1
/// (U+0080–U+009F). None belongs in an event id or type: CR and LF would split an SSE line, and
/// the rest are invisible in logs and headers, or read as line breaks by some parsers (NEL, U+0085).
/// </summary>
internal static class ControlCharacters
{
    public static bool ContainsAny(ReadOnlySpan<char> text) =>
        text.ContainsAnyInRange('\0', '\u001f') || text.ContainsAnyInRange('\u007f', '\u009f');
}
