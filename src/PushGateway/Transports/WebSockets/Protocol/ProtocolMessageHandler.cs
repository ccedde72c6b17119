using System.Collections.Frozen;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Observability;
using PushGateway.Publishing;
using PushGateway.Security;

namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>
/// The inbound side of a sub-protocol socket: reads each envelope and subscribes, unsubscribes, publishes,
/// refreshes the token or answers a ping. A request it refuses gets an <c>error</c> frame and the socket stays
/// open; only what ends the socket as on plain <c>/ws</c> (an expired or no longer sufficient token) closes it.
/// The topics held are this side's own: it is the only one that changes them, one envelope at a time.
/// </summary>
internal sealed class ProtocolMessageHandler(
    ProtocolSession session,
    ClaimsPrincipal user,
    IBroadcastHub hub,
    TopicAuthorizer authorizer,
    TokenValidator tokenValidator,
    GatewayMetrics metrics,
    int maxTopics) : IClientMessageHandler
{
    private readonly Dictionary<string, TopicSubscription> _held = new(StringComparer.Ordinal);
    private ClaimsPrincipal _user = user;

    public async Task HandleAsync(PushConnection connection, string text)
    {
        ClientEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(text, ProtocolJsonContext.Default.ClientEnvelope);
        }
        catch (JsonException exception)
        {
            Refuse(null, ProtocolErrors.BadFrame, exception.Path is { Length: > 1 } path
                ? $"The field at {path} is of the wrong type, or given twice."
                : "Not a JSON object.");
            return;
        }

        if (envelope is null)
        {
            Refuse(null, ProtocolErrors.BadFrame, "Not a JSON object.");
            return;
        }

        switch (envelope.Type)
        {
            case "subscribe":
                await SubscribeAsync(connection, envelope).ConfigureAwait(false);
                break;
            case "unsubscribe":
                Unsubscribe(envelope);
                break;
            case "publish":
                await PublishAsync(envelope).ConfigureAwait(false);
                break;
            case "refresh":
                await RefreshAsync(connection, envelope).ConfigureAwait(false);
                break;
            case "ping":
                session.Answer(Envelopes.Pong(envelope.Id));
                break;
            case null:
                Refuse(envelope.Id, ProtocolErrors.Invalid, "type: required.");
                break;
            default:
                Refuse(envelope.Id, ProtocolErrors.UnknownType, "type: one of subscribe, unsubscribe, publish, refresh, ping.");
                break;
        }
    }

    private async Task SubscribeAsync(PushConnection connection, ClientEnvelope envelope)
    {
        if (!TryReadSubscribeTopics(envelope, out var requested))
        {
            return;
        }

        if (requested.Select(topic => topic.Name).FirstOrDefault(_held.ContainsKey) is { } held)
        {
            Refuse(envelope.Id, ProtocolErrors.AlreadySubscribed, "Already subscribed on this socket: unsubscribe first.", held);
            return;
        }

        if (_held.Count + requested.Count > maxTopics)
        {
            Refuse(envelope.Id, ProtocolErrors.TopicLimit, $"At most {maxTopics} topics per connection; this one holds {_held.Count}.");
            return;
        }

        if (!Allowed(envelope.Id, authorizer.CanSubscribe(_user, requested.Select(topic => topic.Name))))
        {
            return;
        }

        var added = new List<TopicSubscription>(requested.Count);
        try
        {
            foreach (var (name, lastEventId) in requested)
            {
                var subscription = await hub.SubscribeAsync(
                    FrozenSet.Create(StringComparer.Ordinal, name), lastEventId, WebSocketEndpoint.Transport).ConfigureAwait(false);
                added.Add(new TopicSubscription(name, subscription));
            }
        }
        catch (BackplaneUnavailableException exception)
        {
            // Only a resume needs the backplane to subscribe: its history is there. All or nothing, as the rest.
            added.ForEach(subscription => subscription.Dispose());
            Refuse(envelope.Id, ProtocolErrors.BackplaneUnavailable, $"The backplane is unavailable ({exception.Reason}): nothing was subscribed; try again later.");
            return;
        }

        foreach (var subscription in added)
        {
            _held.Add(subscription.Topic, subscription);
            subscription.CloseWith(connection);
        }

        var id = envelope.Id;
        session.Add(added, subscription => Envelopes.Subscribed(id, subscription.Topic, subscription.Subscription.ResumeStatus));
    }

    private void Unsubscribe(ClientEnvelope envelope)
    {
        if (!TryReadTopicNames(envelope, out var topics))
        {
            return;
        }

        if (topics.FirstOrDefault(topic => !_held.ContainsKey(topic)) is { } notHeld)
        {
            Refuse(envelope.Id, ProtocolErrors.NotSubscribed, "Not subscribed on this socket.", notHeld);
            return;
        }

        var removed = topics.Select(topic => _held[topic]).ToList();
        foreach (var topic in topics)
        {
            _held.Remove(topic);
        }

        var id = envelope.Id;
        session.Remove(removed, subscription => Envelopes.Unsubscribed(id, subscription.Topic));
    }

    private async Task PublishAsync(ClientEnvelope envelope)
    {
        if (!TryReadTopicNames(envelope, out var topics))
        {
            return;
        }

        var retry = envelope.Retry?.ToString(CultureInfo.InvariantCulture);
        var draft = PublishValidator.Validate(topics, envelope.Data, envelope.Event, envelope.EventId, retry, maxTopics, out var errors);
        if (draft is null)
        {
            // The publish API's field names, as this envelope spells them.
            var (field, problems) = errors.First();
            Refuse(envelope.Id, ProtocolErrors.Invalid, $"{field switch { "topic" => "topics", "id" => "eventId", _ => field }}: {problems[0]}");
            return;
        }

        if (envelope.IdempotencyKey is { } key)
        {
            if (!IdempotencyKeys.IsValid(key))
            {
                Refuse(envelope.Id, ProtocolErrors.Invalid, $"idempotencyKey: 1 to {IdempotencyKeys.MaxLength} characters without control characters.");
                return;
            }

            draft = draft with { IdempotencyKey = IdempotencyKeys.Scoped(key, _user, authorizer.Enabled) };
        }

        if (!Allowed(envelope.Id, authorizer.CanPublish(_user, draft.Topics)))
        {
            return;
        }

        try
        {
            var result = await hub.PublishAsync(draft).ConfigureAwait(false);
            if (result.Outcome == PublishOutcome.KeyReused)
            {
                Refuse(envelope.Id, ProtocolErrors.IdempotencyKeyReused, "idempotencyKey: already used with a different publish; nothing was published.");
                return;
            }

            if (result.Outcome == PublishOutcome.Published)
            {
                metrics.MessagePublished(MessageSources.WebSocket);
            }

            session.Answer(Envelopes.Ack(envelope.Id, draft.EventIdAt(result.Position), replayed: result.Outcome == PublishOutcome.Replayed));
        }
        catch (BackplaneUnavailableException exception)
        {
            Refuse(envelope.Id, ProtocolErrors.BackplaneUnavailable, $"The backplane is unavailable ({exception.Reason}): nothing was published; try again later.");
        }
        catch (PublishOutcomeUnknownException)
        {
            Refuse(envelope.Id, ProtocolErrors.OutcomeUnknown, "The backplane did not confirm the publish: it may have been delivered.");
        }
    }

    private async Task RefreshAsync(PushConnection connection, ClientEnvelope envelope)
    {
        if (envelope.Token is not { Length: > 0 } token)
        {
            Refuse(envelope.Id, ProtocolErrors.Invalid, "token: required.");
            return;
        }

        if (authorizer.Enabled)
        {
            if (await tokenValidator.ValidateAsync(token).ConfigureAwait(false) is not { Identity.IsAuthenticated: true } refreshed)
            {
                Refuse(envelope.Id, ProtocolErrors.InvalidToken, "The token is not valid: the socket keeps its current one until it expires.");
                return;
            }

            if (!authorizer.CanSubscribe(refreshed, _held.Keys).IsAllowed)
            {
                // As on plain /ws: a socket holds nothing its token does not allow.
                connection.RequestClose(ConnectionCloseReason.InvalidToken);
                return;
            }

            _user = refreshed;
            connection.RenewTokenExpiry(GatewayClaims.From(refreshed).Expires);
        }

        session.Answer(Envelopes.Ack(envelope.Id, eventId: null));
    }

    /// <summary><c>subscribe</c>'s topics: names, or <c>{"topic":…,"lastEventId":…}</c> objects; false after answering an error.</summary>
    private bool TryReadSubscribeTopics(ClientEnvelope envelope, out List<(string Name, string? LastEventId)> topics)
    {
        topics = [];
        if (envelope.Topics.ValueKind != JsonValueKind.Array || envelope.Topics.GetArrayLength() == 0)
        {
            Refuse(envelope.Id, ProtocolErrors.Invalid, "topics: required, an array of one or more topics.");
            return false;
        }

        foreach (var item in envelope.Topics.EnumerateArray())
        {
            var (name, lastEventId) = item.ValueKind switch
            {
                JsonValueKind.String => (item, default(JsonElement)),
                JsonValueKind.Object => (Field(item, "topic"), Field(item, "lastEventId")),
                _ => (default, default),
            };
            if (name.ValueKind != JsonValueKind.String || lastEventId.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
            {
                Refuse(envelope.Id, ProtocolErrors.Invalid, "topics: each a topic name, or an object with a topic name and optionally a lastEventId string.");
                return false;
            }

            var topic = name.GetString();
            var last = lastEventId.ValueKind == JsonValueKind.String ? lastEventId.GetString() : null;
            if (!TopicName.IsValid(topic))
            {
                Refuse(envelope.Id, ProtocolErrors.Invalid, $"topics: {TopicName.Invalid(topic)}");
                return false;
            }

            if (last is not null && !EventIdRules.IsValidLastEventId(last))
            {
                Refuse(envelope.Id, ProtocolErrors.Invalid, $"lastEventId: at most {EventIdRules.MaxLength} characters, without control characters.", topic);
                return false;
            }

            if (topics.Exists(existing => existing.Name == topic))
            {
                Refuse(envelope.Id, ProtocolErrors.Invalid, "topics: a topic given twice.", topic);
                return false;
            }

            topics.Add((topic!, last));
        }

        return true;
    }

    /// <summary><c>unsubscribe</c>'s and <c>publish</c>'s topics: a non-empty array of distinct names; false after answering an error.</summary>
    private bool TryReadTopicNames(ClientEnvelope envelope, out List<string> topics)
    {
        topics = [];
        if (envelope.Topics.ValueKind != JsonValueKind.Array || envelope.Topics.GetArrayLength() == 0
            || envelope.Topics.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            Refuse(envelope.Id, ProtocolErrors.Invalid, "topics: required, an array of one or more topic names.");
            return false;
        }

        topics = [.. envelope.Topics.EnumerateArray().Select(item => item.GetString()!).Distinct(StringComparer.Ordinal)];
        return true;
    }

    private bool Allowed(string? requestId, AccessDecision decision)
    {
        switch (decision.Result)
        {
            case AccessResult.Unauthenticated:
                Refuse(requestId, ProtocolErrors.Unauthenticated, "This needs a token: connect with one, or send a refresh.", decision.Topic);
                return false;
            case AccessResult.Forbidden:
                Refuse(requestId, ProtocolErrors.Forbidden, "The token does not allow this topic.", decision.Topic);
                return false;
            default:
                return true;
        }
    }

    private void Refuse(string? requestId, string code, string message, string? topic = null) =>
        session.Answer(Envelopes.Error(requestId, code, message, topic));

    private static JsonElement Field(JsonElement item, string name) => item.TryGetProperty(name, out var value) ? value : default;
}
