namespace PushGateway.Transports.WebSockets.Protocol;

/// <summary>The <c>code</c> of an <c>error</c> frame (docs/protocol.md lists each with when it is sent).</summary>
internal static class ProtocolErrors
{
    /// <summary>Not a JSON object, a field of the wrong JSON type, or a field given twice.</summary>
    public const string BadFrame = "bad_frame";

    /// <summary>A <c>type</c> this version does not know.</summary>
    public const string UnknownType = "unknown_type";

    /// <summary>A required field missing, or a value the rules refuse (a topic name, an event id, too many topics).</summary>
    public const string Invalid = "invalid";

    /// <summary>A token is needed (a private topic, publishing) and the socket has none.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The socket's token does not allow it.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The socket would hold more than <c>Hub:MaxTopicsPerConnection</c> topics.</summary>
    public const string TopicLimit = "topic_limit";

    public const string AlreadySubscribed = "already_subscribed";

    public const string NotSubscribed = "not_subscribed";

    /// <summary>A <c>refresh</c> whose token is not valid: the socket keeps its current token.</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>Certainly not done (a resume's history, a publish): try again later.</summary>
    public const string BackplaneUnavailable = "backplane_unavailable";

    /// <summary>A publish whose <c>idempotencyKey</c> an earlier, different publish used: nothing was published.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    /// <summary>A publish the backplane did not confirm: it may have been delivered.</summary>
    public const string OutcomeUnknown = "outcome_unknown";
}
