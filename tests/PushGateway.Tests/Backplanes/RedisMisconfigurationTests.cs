using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushGateway.Tests.Infrastructure;
using Serilog.Events;
using Serilog.Formatting.Display;
using StackExchange.Redis;

namespace PushGateway.Tests.Backplanes;

/// <summary>
/// A gateway pointed at a Redis it cannot use, through a real redis-server: nothing listening, a password missing or
/// wrong, a user without the permissions, commands renamed away (as on a Redis without streams). Each says so at
/// start, once, naming the endpoint and what to check; <c>/readyz</c> answers 503 with the cause; a publish is refused
/// with a 503 problem saying why and stores nothing; and once Redis is fixed the node becomes ready by itself.
/// </summary>
public sealed class RedisMisconfigurationTests
{
    private const string Password = "s3cret-of-redis";

    private static readonly Dictionary<string, string?> Quiet = new()
    {
        ["PushGateway:Ticker:Enabled"] = "false",
        ["Serilog:MinimumLevel:Override:PushGateway.Backplanes"] = "Information",
    };

    [Fact]
    public async Task Start_WithNothingListening_WarnsOnceNamingTheEndpoint_IsNotReady_RefusesPublishes_AndIsReadyOnceRedisRuns()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        await using var node = new GatewayFactory(With(redis.Configuration + ",connectTimeout=1000"));
        using var http = node.CreateHttpClient();

        var warning = Assert.Single(node.Logs.Events, IsFromConnection);
        Assert.Equal(LogEventLevel.Warning, warning.Level);
        Assert.Contains($"cannot reach Redis at {redis.Configuration} (", warning.Text(), StringComparison.Ordinal);
        Assert.Contains("retrying", warning.Text(), StringComparison.Ordinal);
        Assert.Contains($"cannot reach Redis at {redis.Configuration}", await NotReadyBecauseAsync(http), StringComparison.Ordinal);
        await AssertPublishRefusedAsync(http, "unreachable");

        await redis.StartAgainAsync();
        await AssertReadyAgainAsync(node, http);
        AssertOneLine(node, LogEventLevel.Warning);
        node.Logs.AssertNoErrorsSince(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",password=not-the-password")]
    public async Task Start_WithoutTheRightPassword_LogsOneErrorToCheckThePassword_IsNotReady_RefusesPublishes_AndIsReadyOnceRedisTakesIt(string credentials)
    {
        await using var redis = await RedisServer.StartAsync("--requirepass", Password);
        await using var node = new GatewayFactory(With(redis.Configuration + credentials));
        using var http = node.CreateHttpClient();
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},password={Password},allowAdmin=true");

        var error = Assert.Single(node.Logs.Events, IsFromConnection);
        Assert.Equal(LogEventLevel.Error, error.Level);
        Assert.Contains($"Redis at {redis.Configuration} refused this node's credentials (NOAUTH Authentication required.", error.Text(), StringComparison.Ordinal);
        Assert.Contains("Check the password (and user) in PushGateway:Redis:Configuration", error.Text(), StringComparison.Ordinal);
        Assert.Contains("refused this node's credentials", await NotReadyBecauseAsync(http), StringComparison.Ordinal);
        await AssertPublishRefusedAsync(http, "authentication");
        await AssertNothingStoredAsync(admin);
        await AssertLoggedOnceThroughRetriesAsync(node, http, "authentication");

        // Redis now takes what the node sends: no password at all, or the one it has.
        var fixedPassword = credentials.Length == 0 ? string.Empty : "not-the-password";
        await admin.GetServers()[0].ConfigSetAsync("requirepass", fixedPassword);
        await AssertReadyAgainAsync(node, http);
        AssertOneLine(node, LogEventLevel.Warning);
    }

    [Fact]
    public async Task Start_AsAUserWithoutPermissions_LogsOneErrorNamingTheCommands_IsNotReady_RefusesPublishesAndPresence_AndIsReadyOnceAllowed()
    {
        await using var redis = await RedisServer.StartAsync("--requirepass", Password);
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},password={Password},allowAdmin=true");
        var adminDb = admin.GetDatabase();
        await adminDb.ExecuteAsync("ACL", "SETUSER", "gateway", "on", ">gateway-password", "~*", "&*", "+@all", "-xadd", "-scan", "-publish");
        await using var node = new GatewayFactory(With($"{redis.Configuration},user=gateway,password=gateway-password"));
        using var http = node.CreateHttpClient();

        var error = Assert.Single(node.Logs.Events, IsFromConnection);
        Assert.Equal(LogEventLevel.Error, error.Level);
        Assert.Contains($"Redis at {redis.Configuration} cannot run what the backplane needs: XADD: ", error.Text(), StringComparison.Ordinal);
        Assert.Contains("; SCAN: ", error.Text(), StringComparison.Ordinal);
        Assert.Contains("; PUBLISH: ", error.Text(), StringComparison.Ordinal);
        Assert.Contains("Allow these commands to this node's Redis user (ACL)", error.Text(), StringComparison.Ordinal);
        var why = await NotReadyBecauseAsync(http);
        Assert.Contains("cannot run what the backplane needs: XADD: ", why, StringComparison.Ordinal);
        Assert.Contains("; PUBLISH: ", why, StringComparison.Ordinal);
        await AssertPublishRefusedAsync(http, "unsupported");
        using (var presence = await http.GetAsync("topics/news", TestTimeout.Token()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, presence.StatusCode);
            Assert.Equal("unsupported", (await presence.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token())).GetProperty("reason").GetString());
        }

        using (var protocol = await ProtocolTestClient.ConnectAsync(node))
        {
            await protocol.SendAsync("""{"type":"publish","id":"p1","topics":["news"],"data":"lost"}""");
            var refused = await protocol.ReceiveAsync();
            Assert.Equal("backplane_unavailable", refused.GetProperty("code").GetString());
            Assert.Contains("does not allow commands the gateway needs", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        await AssertNothingStoredAsync(admin);
        await AssertLoggedOnceThroughRetriesAsync(node, http, "unsupported");

        await adminDb.ExecuteAsync("ACL", "SETUSER", "gateway", "+xadd", "+scan", "+publish");
        await AssertReadyAgainAsync(node, http);
        AssertOneLine(node, LogEventLevel.Warning);
    }

    /// <summary>
    /// Commands renamed away are what the gateway sees of a Redis that lacks them (streams before Redis 5). Without EVAL
    /// alone the gateway works (StackExchange.Redis then loads its scripts and runs EVALSHA); without both it cannot.
    /// </summary>
    [Theory]
    [InlineData("XADD", "XADD: ERR Unknown Redis command called from script")]
    [InlineData("EVAL EVALSHA", "EVAL/EVALSHA: ERR unknown command 'EVALSHA'")]
    [InlineData("SUBSCRIBE", "SUBSCRIBE: ERR unknown command 'SUBSCRIBE'")]
    [InlineData("MULTI", "MULTI/EXEC: ERR EXEC without MULTI")]
    public async Task Start_OnARedisWithoutACommand_LogsOneErrorNamingIt_IsNotReady_RefusesPublishes_AndIsReadyOnceRedisHasIt(string commands, string named)
    {
        await using var redis = await RedisServer.StartAsync([.. commands.Split(' ').SelectMany(command => new[] { "--rename-command", command, "" })]);
        await using var node = new GatewayFactory(With(redis.Configuration));
        using var http = node.CreateHttpClient();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");

        var error = Assert.Single(node.Logs.Events, IsFromConnection);
        Assert.Equal(LogEventLevel.Error, error.Level);
        Assert.Contains($"Redis at {redis.Configuration} cannot run what the backplane needs: {named}", error.Text(), StringComparison.Ordinal);
        Assert.Contains($"cannot run what the backplane needs: {named}", await NotReadyBecauseAsync(http), StringComparison.Ordinal);
        await AssertPublishRefusedAsync(http, "unsupported");
        await AssertNothingStoredAsync(admin);

        await redis.StopAsync();
        await redis.StartAgainWithAsync();
        await AssertReadyAgainAsync(node, http);
        AssertOneLine(node, LogEventLevel.Error);
    }

    private static Dictionary<string, string?> With(string configuration) =>
        new(Quiet) { ["PushGateway:Redis:Configuration"] = configuration };

    private static bool IsFromConnection(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "PushGateway.Backplanes.Redis.RedisConnection" };

    /// <summary>The cause logged once: one line from the connection at <paramref name="level"/> or above.</summary>
    private static void AssertOneLine(GatewayFactory node, LogEventLevel level)
    {
        var lines = node.Logs.Events.Where(e => IsFromConnection(e) && e.Level >= level).Select(e => $"[{e.Level}] {e.Text()}").ToList();
        Assert.True(lines.Count == 1, string.Join('\n', lines));
    }

    /// <summary><c>/readyz</c> answers 503 with the backplane's check unhealthy; returns its description.</summary>
    private static async Task<string> NotReadyBecauseAsync(HttpClient http)
    {
        using var response = await http.GetAsync("readyz", TestTimeout.Token());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestTimeout.Token()));
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
        var backplane = body.RootElement.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("name").GetString() == "backplane");
        Assert.Equal("Unhealthy", backplane.GetProperty("status").GetString());
        return backplane.GetProperty("description").GetString()!;
    }

    private static async Task AssertPublishRefusedAsync(HttpClient http, string reason)
    {
        using var refused = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "lost")]), TestTimeout.Token());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestTimeout.Token());
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Backplane unavailable", problem.GetProperty("title").GetString());
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
    }

    /// <summary>No message, no history, no key of the gateway's but the live stats the dashboard shares.</summary>
    private static async Task AssertNothingStoredAsync(ConnectionMultiplexer admin)
    {
        var keys = (RedisResult[])(await admin.GetDatabase().ExecuteAsync("KEYS", "pushgateway:*"))!;
        Assert.All(keys, key => Assert.StartsWith("pushgateway:stats:", (string?)key, StringComparison.Ordinal));
    }

    /// <summary>
    /// Still one line after the node tried again (every second) and was asked often: nothing announces a retry that logs
    /// nothing, so give it a few.
    /// </summary>
    private static async Task AssertLoggedOnceThroughRetriesAsync(GatewayFactory node, HttpClient http, string reason)
    {
        for (var i = 0; i < 5; i++)
        {
            await NotReadyBecauseAsync(http);
            await AssertPublishRefusedAsync(http, reason);
        }

        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        AssertOneLine(node, LogEventLevel.Warning);
    }

    /// <summary>Ready by itself, logged once; a publish then stored and answered.</summary>
    private static async Task AssertReadyAgainAsync(GatewayFactory node, HttpClient http)
    {
        await Eventually.ReachAsync(async () => (await http.GetAsync("readyz", TestTimeout.Token())).StatusCode == HttpStatusCode.OK, "the node ready again");
        using var published = await http.PostAsync("publish", new FormUrlEncodedContent([new("topic", "news"), new("data", "stored")]), TestTimeout.Token());
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var recovered = Assert.Single(node.Logs.Events, e => IsFromConnection(e) && e.Level == LogEventLevel.Information);
        Assert.Contains("Redis backplane available again", recovered.Text(), StringComparison.Ordinal);
    }
}

/// <summary>A log line's message as the gateway's text format writes it (<c>{Message:lj}</c>): string values unquoted.</summary>
internal static class LogEventText
{
    private static readonly MessageTemplateTextFormatter Message = new("{Message:lj}");

    public static string Text(this LogEvent logEvent)
    {
        using var text = new StringWriter();
        Message.Format(logEvent, text);
        return text.ToString();
    }
}
