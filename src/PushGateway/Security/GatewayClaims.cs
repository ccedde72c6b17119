using System.Security.Claims;
using System.Text.Json;

namespace PushGateway.Security;

/// <summary>
/// What a token allows, from its <c>pushgateway</c> claim (modelled after Mercure's <c>mercure</c>
/// claim): <c>{"publish": ["topic or pattern", …], "subscribe": […], "admin": true}</c>. <c>admin</c> (only the
/// JSON <c>true</c> counts) lets the holder read the operator's endpoints, such as <c>/metrics</c>.
/// </summary>
internal sealed record GatewayClaims(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe, DateTimeOffset? Expires)
{
    public bool Admin { get; init; }

    public const string ClaimType = "pushgateway";

    public static GatewayClaims None { get; } = new([], [], null);

    /// <summary>How long until <paramref name="expires"/>, never negative: an expired token ends its connection at once.</summary>
    public static TimeSpan TimeUntil(DateTimeOffset expires, TimeProvider timeProvider)
    {
        var left = expires - timeProvider.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public static GatewayClaims From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return None;
        }

        var expires = long.TryParse(user.FindFirst("exp")?.Value, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : (DateTimeOffset?)null;
        var claim = user.FindFirst(ClaimType)?.Value;
        if (claim is null)
        {
            return None with { Expires = expires };
        }

        try
        {
            using var json = JsonDocument.Parse(claim);
            var root = json.RootElement;
            return new GatewayClaims(Strings(root, "publish"), Strings(root, "subscribe"), expires)
            {
                Admin = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("admin", out var admin) && admin.ValueKind == JsonValueKind.True,
            };
        }
        catch (JsonException)
        {
            return None with { Expires = expires };
        }
    }

    private static List<string> Strings(JsonElement claim, string name) =>
        claim.ValueKind == JsonValueKind.Object && claim.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!)]
            : [];
}
