using System.Net;
using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary>
/// What makes an HS256 token valid (issuer, audience, not-before with the 30 s skew) and where it is read from
/// (Bearer header, else the cookie named by <c>Auth:CookieName</c>, else <c>access_token</c>), seen through
/// <c>GET /topics/{private topic}</c>: 200 with a token that may subscribe, 403 with one for another topic, 401 without one.
/// </summary>
public sealed class TokenValidationTests : IDisposable
{
    private const string Issuer = "https://issuer.test";
    private const string Audience = "pushgateway-tests";
    private const string CookieName = "my_token";
    private const string Presence = "topics/private/room";

    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>(Tokens.Settings("private/*"))
    {
        ["PushGateway:Auth:Issuer"] = Issuer,
        ["PushGateway:Auth:Audience"] = Audience,
        ["PushGateway:Auth:CookieName"] = CookieName,
    });

    public void Dispose() => _gateway.Dispose();

    private DateTimeOffset Now => _gateway.Time.GetUtcNow();

    [Fact]
    public async Task Token_WithTheIssuerAndAudience_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, await GetAsync(bearer: Mint()));
    }

    [Theory]
    [InlineData(Issuer, "someone-else")]
    [InlineData(Issuer, null)]
    [InlineData("https://other-issuer.test", Audience)]
    [InlineData(null, Audience)]
    public async Task Token_WithAnotherOrNoIssuerOrAudience_Returns401(string? issuer, string? audience)
    {
        var token = Mint(adjust: descriptor => (descriptor.Issuer, descriptor.Audience) = (issuer, audience));

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(bearer: token));
    }

    [Theory]
    [InlineData(25, HttpStatusCode.OK)]
    [InlineData(35, HttpStatusCode.Unauthorized)]
    public async Task Token_NotYetValid_IsAcceptedOnlyWithinTheClockSkew(int secondsAhead, HttpStatusCode expected)
    {
        var token = Mint(adjust: descriptor => descriptor.NotBefore = Now.AddSeconds(secondsAhead).UtcDateTime);

        Assert.Equal(expected, await GetAsync(bearer: token));
    }

    [Theory]
    [InlineData(25, HttpStatusCode.OK)]
    [InlineData(35, HttpStatusCode.Unauthorized)]
    public async Task Token_Expired_IsAcceptedOnlyWithinTheClockSkew(int secondsAgo, HttpStatusCode expected)
    {
        var token = Mint(adjust: descriptor => (descriptor.NotBefore, descriptor.Expires) =
            (Now.AddMinutes(-5).UtcDateTime, Now.AddSeconds(-secondsAgo).UtcDateTime));

        Assert.Equal(expected, await GetAsync(bearer: token));
    }

    /// <summary>"right" may subscribe to the topic, "wrong" only to another one (403 when it is the token read).</summary>
    [Theory]
    [InlineData("right", "wrong", "wrong", HttpStatusCode.OK)]
    [InlineData("wrong", "right", "right", HttpStatusCode.Forbidden)]
    [InlineData(null, "right", "wrong", HttpStatusCode.OK)]
    [InlineData(null, "wrong", "right", HttpStatusCode.Forbidden)]
    [InlineData(null, null, "right", HttpStatusCode.OK)]
    [InlineData(null, null, "wrong", HttpStatusCode.Forbidden)]
    public async Task Token_InSeveralPlaces_IsTakenFromTheBearerHeaderThenTheCookieThenTheQuery(
        string? bearer, string? cookie, string? query, HttpStatusCode expected)
    {
        Assert.Equal(expected, await GetAsync(bearer: Token(bearer), cookie: Token(cookie), query: Token(query)));
    }

    [Fact]
    public async Task Cookie_IsReadUnderTheConfiguredName_Only()
    {
        Assert.Equal(HttpStatusCode.OK, await GetAsync(cookie: Mint(), cookieName: CookieName));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(cookie: Mint(), cookieName: "pushgateway_token"));
    }

    private string? Token(string? which) => which switch
    {
        null => null,
        "right" => Mint(),
        _ => Mint(subscribe: "private/other"),
    };

    private string Mint(string subscribe = "private/*", Action<SecurityTokenDescriptor>? adjust = null) =>
        Tokens.Mint(Now, descriptor =>
        {
            (descriptor.Issuer, descriptor.Audience) = (Issuer, Audience);
            adjust?.Invoke(descriptor);
        }, subscribe: [subscribe]);

    private async Task<HttpStatusCode> GetAsync(string? bearer = null, string? cookie = null, string? query = null, string cookieName = CookieName)
    {
        using var http = _gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, query is null ? Presence : $"{Presence}?access_token={query}");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{cookieName}={cookie}");
        }

        using var response = await http.SendAsync(request, TestTimeout.Token());
        return response.StatusCode;
    }
}
