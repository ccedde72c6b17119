using System.Security.Claims;
using Microsoft.Extensions.Primitives;
using PushGateway.Hosting;
using PushGateway.Hub;

namespace PushGateway.Publishing;

/// <summary>
/// A publisher's idempotency key (<c>Idempotency-Key</c> header or <c>idempotencyKey</c> field): read, checked, and
/// scoped to the publisher before it goes on the <see cref="MessageDraft"/>.
/// </summary>
internal static class IdempotencyKeys
{
    public const int MaxLength = 256;

    /// <summary>Where a key is given: a request header, or a field of the body (JSON or form).</summary>
    public const string Header = "Idempotency-Key", Field = "idempotencyKey";

    /// <summary>The response header on the answer to a retry: the first publish's answer, nothing delivered again.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static bool IsValid(string key) => key.Length is > 0 and <= MaxLength && !ControlCharacters.ContainsAny(key);

    /// <summary>
    /// The key from the header and the field, null when neither is given; an error naming the header or the field
    /// (and null) when either is bad, the header is given twice, or they are both given and differ.
    /// </summary>
    public static string? Read(StringValues header, string? field, Dictionary<string, string[]> errors)
    {
        if (header.Count > 1)
        {
            errors[Header] = [Problems.GivenTwice];
            return null;
        }

        var fromHeader = header.Count == 1 ? header[0] : null;
        if (fromHeader is not null && field is not null && fromHeader != field)
        {
            errors[Field] = [$"Differs from the {Header} header: send the key once, or the same in both."];
            return null;
        }

        var key = fromHeader ?? field;
        if (key is not null && !IsValid(key))
        {
            errors[fromHeader is null ? Field : Header] = [$"1 to {MaxLength} characters, without control characters."];
            return null;
        }

        return key;
    }

    /// <summary>
    /// The key in its publisher's scope: the token's subject when authorization is on (tokens without one share a
    /// scope), one scope for everyone when it is off. Length-prefixed, so that no subject and key pair reads as another.
    /// </summary>
    public static string Scoped(string key, ClaimsPrincipal user, bool authorizationOn) =>
        (authorizationOn ? user.FindFirst("sub")?.Value : null) is { } subject ? $"{subject.Length}:{subject}:{key}" : "-:" + key;
}
