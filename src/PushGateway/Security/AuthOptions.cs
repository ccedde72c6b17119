namespace PushGateway.Security;

/// <summary>
/// JWT authorization; bound from <c>PushGateway:Auth</c>. With neither key set the gateway runs open:
/// anyone may publish and subscribe to anything (it says so at start-up).
/// </summary>
internal sealed class AuthOptions
{
    public const string Section = "PushGateway:Auth";

    /// <summary>HMAC-SHA256 secret for HS256 tokens, at least 32 bytes of UTF-8. Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>RSA public key (PEM, <c>-----BEGIN PUBLIC KEY-----</c>) for RS256 tokens. Default none.</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>When set, tokens must carry this <c>iss</c>. Default none (not checked).</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, tokens must carry this <c>aud</c>. Default none (not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>Topic patterns (<c>*</c> matches any run of characters) that need a subscribe claim. Default none.</summary>
    public IList<string> PrivateTopics { get; } = [];

    /// <summary>The cookie a browser may carry its token in. Default <c>pushgateway_token</c>.</summary>
    public string CookieName { get; set; } = "pushgateway_token";

    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(PublicKeyPem);
}
