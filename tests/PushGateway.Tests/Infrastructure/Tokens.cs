using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PushGateway.Tests.Infrastructure;

/// <summary>Mints HS256 tokens with the gateway's claims, as a backend would.</summary>
public static class Tokens
{
    public const string SigningKey = "test-signing-key-of-at-least-32-bytes!";

    public static Dictionary<string, string?> Settings(params string[] privateTopics)
    {
        var settings = new Dictionary<string, string?> { ["PushGateway:Auth:SigningKey"] = SigningKey };
        for (var i = 0; i < privateTopics.Length; i++)
        {
            settings[$"PushGateway:Auth:PrivateTopics:{i}"] = privateTopics[i];
        }

        return settings;
    }

    public static string Mint(
        DateTimeOffset now, string[]? publish = null, string[]? subscribe = null, TimeSpan? lifetime = null, string key = SigningKey,
        bool admin = false) =>
        Mint(now, _ => { }, publish, subscribe, lifetime, key, admin);

    /// <summary>A token as above, with <paramref name="adjust"/> applied last (subject, issuer, audience, not-before, …).</summary>
    public static string Mint(
        DateTimeOffset now, Action<SecurityTokenDescriptor> adjust, string[]? publish = null, string[]? subscribe = null,
        TimeSpan? lifetime = null, string key = SigningKey, bool admin = false)
    {
        var gateway = new Dictionary<string, object> { ["publish"] = publish ?? [], ["subscribe"] = subscribe ?? [] };
        if (admin)
        {
            gateway["admin"] = true;
        }

        var claims = new Dictionary<string, object> { ["pushgateway"] = gateway };
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new System.Security.Claims.ClaimsIdentity([new("sub", "test")]),
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? TimeSpan.FromHours(1))).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        };
        adjust(descriptor);
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>Sets the token's <c>sub</c>.</summary>
    public static Action<SecurityTokenDescriptor> Subject(string subject) =>
        descriptor => descriptor.Subject = new System.Security.Claims.ClaimsIdentity([new("sub", subject)]);
}
