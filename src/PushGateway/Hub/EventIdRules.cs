namespace PushGateway.Hub;

/// <summary>What clients and publishers may send as event ids.</summary>
internal static class EventIdRules
{
    public const int MaxLength = 256;

    /// <summary>A <c>Last-Event-ID</c>: any id the gateway may have sent, a position or a publisher's own.</summary>
    public static bool IsValidLastEventId(string id) =>
        id.Length is > 0 and <= MaxLength && !ControlCharacters.ContainsAny(id);

    /// <summary>
    /// A publisher's own id: like a last event id, but not of a position's form, which would make
    /// resume ambiguous.
    /// </summary>
    public static bool IsValidPublisherEventId(string id) => IsValidLastEventId(id) && !MessagePosition.TryParse(id, out _);
}
