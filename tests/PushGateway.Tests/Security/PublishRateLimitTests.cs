using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Security;

/// <summary>
/// The publish rate limit's partitions: one bucket per token subject, else one per client address. Buckets of two
/// that refill once an hour, so that the limit is reached exactly where counted whatever the test's pace.
/// </summary>
public sealed class PublishRateLimitTests
{
    private static readonly IPAddress OtherAddress = IPAddress.Parse("127.0.0.2");

    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["PushGateway:Limits:PublishBurst"] = "2",
        ["PushGateway:Limits:PublishesPerPeriod"] = "1",
        ["PushGateway:Limits:PublishRatePeriod"] = "01:00:00",
    };

    [Fact]
    public async Task TokenSubjects_FromOneAddress_AreLimitedSeparately_AndASubjectKeepsItsBucketOnAnotherAddress()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>(Limits.Concat(Tokens.Settings())));
        var alice = Tokens.Mint(gateway.Time.GetUtcNow(), Tokens.Subject("alice"), publish: ["*"]);
        var bob = Tokens.Mint(gateway.Time.GetUtcNow(), Tokens.Subject("bob"), publish: ["*"]);
        using var here = Client(gateway, IPAddress.Loopback);
        using var there = Client(gateway, OtherAddress);

        Assert.Equal(HttpStatusCode.OK, await PublishAsync(here, alice));
        Assert.Equal(HttpStatusCode.OK, await PublishAsync(here, alice));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PublishAsync(here, alice));

        Assert.Equal(HttpStatusCode.OK, await PublishAsync(here, bob));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PublishAsync(there, alice));
        Assert.Equal(HttpStatusCode.OK, await PublishAsync(here, bob));
    }

    [Fact]
    public async Task ClientsWithoutToken_ShareTheirAddresssBucket_AndAnotherAddressHasItsOwn()
    {
        using var gateway = new GatewayFactory(Limits);
        // Two clients, so two connections, from the same address.
        using var first = Client(gateway, IPAddress.Loopback);
        using var second = Client(gateway, IPAddress.Loopback);
        using var elsewhere = Client(gateway, OtherAddress);

        Assert.Equal(HttpStatusCode.OK, await PublishAsync(first, token: null));
        Assert.Equal(HttpStatusCode.OK, await PublishAsync(second, token: null));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PublishAsync(first, token: null));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PublishAsync(second, token: null));

        Assert.Equal(HttpStatusCode.OK, await PublishAsync(elsewhere, token: null));
    }

    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.x.y.z reaches the gateway on 127.0.0.1).</summary>
    private static HttpClient Client(GatewayFactory gateway, IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = gateway.HttpAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static async Task<HttpStatusCode> PublishAsync(HttpClient http, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "publish")
        {
            Content = new FormUrlEncodedContent([new("topic", "news"), new("data", "x")]),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, TestTimeout.Token());
        return response.StatusCode;
    }
}
