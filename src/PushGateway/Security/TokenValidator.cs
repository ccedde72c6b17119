using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PushGateway.Security;

/// <summary>Validates a token that arrives outside a request (a WebSocket's refresh) as the bearer handler would.</summary>
internal sealed class TokenValidator(IOptionsMonitor<JwtBearerOptions> options)
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>The token's principal, or null when it is not valid now.</summary>
    public async Task<ClaimsPrincipal?> ValidateAsync(string token)
    {
        var parameters = options.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }
}
