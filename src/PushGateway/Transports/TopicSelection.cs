using PushGateway.Hub;

namespace PushGateway.Transports;

/// <summary>Checks the topics a client asks for.</summary>
internal static class TopicSelection
{
    /// <summary>
    /// The distinct topics requested, or <paramref name="defaults"/> when none are; false with an
    /// error for the client when a name is invalid or there are more than <paramref name="maxTopics"/>.
    /// </summary>
    public static bool TrySelect(
        IReadOnlyCollection<string?> requested, IReadOnlySet<string> defaults, int maxTopics, out IReadOnlySet<string> topics, out string error)
    {
        topics = defaults;
        error = string.Empty;
        if (requested.Count == 0)
        {
            return true;
        }

        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in requested)
        {
            if (!TopicName.IsValid(topic))
            {
                error = TopicName.Invalid(topic);
                return false;
            }

            selected.Add(topic!);
        }

        if (selected.Count > maxTopics)
        {
            error = $"At most {maxTopics} topics per connection.";
            return false;
        }

        topics = selected;
        return true;
    }
}
