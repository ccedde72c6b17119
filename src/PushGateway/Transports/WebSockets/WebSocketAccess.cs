using System.Security.Claims;
using System.Text.Json;
using PushGateway.Security;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// What one socket may do in its room, and until when: anyone may send into a public room; a private
/// room needs a token that allows subscribing (to join) and publishing (to send). A token's expiry
/// ends the socket unless the client sends a fresh one as <c>{"type":"auth","token":"…"}</c>.
/// </summary>
internal sealed class WebSocketAccess(TopicAuthorizer authorizer, TokenValidator validator, string room)
{
    private const int MaxControlMessageLength = 16 * 1024;

    public bool CanSend { get; private set; }

    /// <summary>When the socket's token expires; null for none (open gateway, anonymous, or no <c>exp</c>).</summary>
    public DateTimeOffset? Expires { get; private set; }

    /// <summary>Takes the handshake's user; false with the refusal when it may not join the room.</summary>
    public AccessDecision Admit(ClaimsPrincipal user)
    {
        var decision = authorizer.CanSubscribe(user, [room]);
        CanSend = decision.IsAllowed && (!authorizer.IsPrivate(room) || authorizer.CanPublish(user, [room]).IsAllowed);
        Expires = authorizer.Enabled ? GatewayClaims.From(user).Expires : null;
        return decision;
    }

    /// <summary>The token of a control message, or null when the text is chat.</summary>
    public string? ReadTokenRefresh(string text)
    {
        if (!authorizer.Enabled || text.Length > MaxControlMessageLength || !text.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "auth"
                && root.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String
                    ? token.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Admits the socket again with a fresh token; false when the token is invalid or no longer allows the room.</summary>
    public async Task<bool> RefreshAsync(string token)
    {
        var user = await validator.ValidateAsync(token).ConfigureAwait(false);
        return user is not null && user.Identity?.IsAuthenticated == true && Admit(user).IsAllowed;
    }
}
