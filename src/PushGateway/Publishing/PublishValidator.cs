using System.Globalization;
using PushGateway.Hub;

namespace PushGateway.Publishing;

/// <summary>Turns the fields of a publish request into a <see cref="MessageDraft"/>, or into errors by field.</summary>
internal static class PublishValidator
{
    public const int MaxEventTypeLength = 128;
    public const int MaxRetryMilliseconds = 86_400_000;

    public static MessageDraft? Validate(
        IReadOnlyList<string?> topics, string? data, string? eventType, string? id, string? retry, int maxTopics, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (topics.Count == 0)
        {
            errors["topic"] = ["At least one topic is required."];
        }
        else if (topics.Count > maxTopics)
        {
            errors["topic"] = [$"At most {maxTopics} topics per message."];
        }
        else if (topics.Where(topic => !TopicName.IsValid(topic)).Take(1).ToList() is [var invalid])
        {
            errors["topic"] = [TopicName.Invalid(invalid)];
        }

        if (data is null)
        {
            errors["data"] = ["Required (it may be empty)."];
        }

        if (eventType is not null && (eventType.Length is 0 or > MaxEventTypeLength || ControlCharacters.ContainsAny(eventType)))
        {
            errors["event"] = [$"1 to {MaxEventTypeLength} characters, without control characters."];
        }

        if (id is not null && !EventIdRules.IsValidPublisherEventId(id))
        {
            errors["id"] = [$"1 to {EventIdRules.MaxLength} characters without control characters, and not of the form digits-digits, which the gateway's own ids use."];
        }

        int? retryMilliseconds = null;
        if (retry is not null)
        {
            if (int.TryParse(retry, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= MaxRetryMilliseconds)
            {
                retryMilliseconds = parsed;
            }
            else
            {
                errors["retry"] = [$"Milliseconds, from 0 to {MaxRetryMilliseconds}."];
            }
        }

        return errors.Count > 0
            ? null
            : new MessageDraft([.. topics.Distinct(StringComparer.Ordinal)!], eventType ?? EventTypes.Message, data!)
            {
                EventId = id,
                RetryMilliseconds = retryMilliseconds,
            };
    }
}
