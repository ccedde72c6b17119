using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

public sealed class RsaTokenTests : IDisposable
{
    private readonly RSA _issuerKey = RSA.Create(2048);
    private readonly GatewayFactory _gateway;

    public RsaTokenTests() =>
        _gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["PushGateway:Auth:PublicKeyPem"] = _issuerKey.ExportSubjectPublicKeyInfoPem(),
            ["PushGateway:Auth:Issuer"] = "https://auth.example",
        });

    public void Dispose()
    {
        _gateway.Dispose();
        _issuerKey.Dispose();
    }

    [Theory]
    [InlineData("https://auth.example", HttpStatusCode.OK)]
    [InlineData("https://someone-else.example", HttpStatusCode.Unauthorized)]
    public async Task Publish_WithRs256Token_ChecksSignatureAndIssuer(string issuer, HttpStatusCode expected)
    {
        var now = _gateway.Time.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["pushgateway"] = new Dictionary<string, object> { ["publish"] = new[] { "*" } } },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_issuerKey), SecurityAlgorithms.RsaSha256),
        });
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish")
        {
            Content = new FormUrlEncodedContent([new("topic", "news"), new("data", "signed elsewhere")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request, TestTimeout.Token());

        Assert.Equal(expected, response.StatusCode);
    }
}
