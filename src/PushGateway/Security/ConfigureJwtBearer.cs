using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace PushGateway.Security;

/// <summary>
/// Bearer tokens from the configured key, read from the Authorization header, else the cookie, else
/// the <c>access_token</c> query parameter (EventSource and browser WebSockets cannot set headers).
/// Lifetimes are checked against the injected clock.
/// </summary>
internal sealed class ConfigureJwtBearer(IOptions<AuthOptions> authOptions, TimeProvider timeProvider)
    : IConfigureNamedOptions<JwtBearerOptions>
{
    public const string AccessTokenQuery = "access_token";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name == JwtBearerDefaults.AuthenticationScheme)
        {
            Configure(options);
        }
    }

    public void Configure(JwtBearerOptions options)
    {
        var auth = authOptions.Value;
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            IssuerSigningKey = SigningKey(auth),
            ValidateIssuerSigningKey = true,
            ValidIssuer = auth.Issuer,
            ValidateIssuer = auth.Issuer is not null,
            ValidAudience = auth.Audience,
            ValidateAudience = auth.Audience is not null,
            RequireExpirationTime = false,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = timeProvider.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore <= now + ClockSkew) && (expires is null || expires > now - ClockSkew);
            },
        };
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var request = context.Request;
                if (string.IsNullOrEmpty(request.Headers.Authorization))
                {
                    context.Token = request.Cookies[auth.CookieName] is { Length: > 0 } cookie ? cookie : request.Query[AccessTokenQuery];
                }

                return Task.CompletedTask;
            },
        };
    }

    private static SecurityKey? SigningKey(AuthOptions auth)
    {
        if (!string.IsNullOrEmpty(auth.SigningKey))
        {
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey));
        }

        if (string.IsNullOrEmpty(auth.PublicKeyPem))
        {
            return null;
        }

        // The key outlives this method: the validation parameters hold it for the host's lifetime.
        var rsa = RSA.Create();
        rsa.ImportFromPem(auth.PublicKeyPem);
        return new RsaSecurityKey(rsa);
    }
}
