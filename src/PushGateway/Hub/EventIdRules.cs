namespace PushGateway.Hub;

/// <summary>What clients and publishers may send as event ids.</summary>
public static class EventIdRules
{
    public const int MaxLength = 256;

    /// <summary>A <c>Last-Event-ID</c>: any id the gateway may have sent, a hub id or a publisher's.</summary>
    public static bool IsValidLastEventId(string id) =>
        id.Length is > 0 and <= MaxLength && !ControlCharacters.ContainsAny(id);

    /// <summary>
    /// A publisher's own id: like a last event id, but not of the hub's form, which would make
    /// resume ambiguous.
    /// </summary>
    public static bool IsValidCustomId(string id) => IsValidLastEventId(id) && !MessageId.TryParse(id, out _);
}
