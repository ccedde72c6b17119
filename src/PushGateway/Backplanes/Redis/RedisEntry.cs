using System.Globalization;
using PushGateway.Hub;
using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>How a message is stored in a stream entry, and read back.</summary>
internal static class RedisEntry
{
    public const string Topics = "t";
    public const string EventType = "e";
    public const string Data = "d";
    /// <summary>The publisher's event id; empty when it set none.</summary>
    public const string EventId = "c";
    public const string Retry = "r";

    /// <summary>In a topic's stream only: the id of the entry before this one in that topic (<c>0-0</c> for the first).</summary>
    public const string Previous = "p";

    /// <summary>The values in script-argument order: <see cref="PublishFingerprint.Fields"/>.</summary>
    public static RedisValue[] Fields(MessageDraft draft) => [.. PublishFingerprint.Fields(draft).Select(field => (RedisValue)field)];

    public static GatewayMessage ToMessage(StreamEntry entry)
    {
        string Field(string name) => entry[name].IsNull ? string.Empty : entry[name].ToString();

        var eventId = Field(EventId);
        var retry = Field(Retry);
        var draft = new MessageDraft(Field(Topics).Split('\n'), Field(EventType), Field(Data))
        {
            EventId = eventId.Length == 0 ? null : eventId,
            RetryMilliseconds = retry.Length == 0 ? null : int.Parse(retry, CultureInfo.InvariantCulture),
        };
        return GatewayMessage.Create(PositionOf(entry.Id), draft);
    }

    /// <summary>A stream entry's id is its position: Redis time in milliseconds, then a sequence.</summary>
    public static MessagePosition PositionOf(RedisValue entryId) =>
        MessagePosition.TryParse(entryId.ToString(), out var position) ? position.Value : throw new FormatException($"Not a stream entry id: {entryId}");
}
