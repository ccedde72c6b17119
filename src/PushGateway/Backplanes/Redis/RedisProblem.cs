using StackExchange.Redis;

namespace PushGateway.Backplanes.Redis;

/// <summary>What is wrong with Redis, for the log, <c>/readyz</c> and refused publishes.</summary>
/// <param name="Fault">The kind: what an operator has to do about it.</param>
/// <param name="Detail">What Redis or the client library said, short.</param>
internal sealed record RedisProblem(BackplaneFault Fault, string Detail)
{
    /// <summary>What a failure says about Redis: credentials refused, a command refused, or else an outage.</summary>
    public static RedisProblem Of(Exception? exception, ConnectionFailureType failureType)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
                || inner is RedisServerException server && IsAuthenticationRefused(server))
            {
                return new RedisProblem(BackplaneFault.Authentication, Summarize(exception!));
            }

            if (inner is RedisServerException refused && IsCommandRefused(refused))
            {
                return new RedisProblem(BackplaneFault.Unsupported, Shorten(refused.Message));
            }
        }

        return failureType == ConnectionFailureType.AuthenticationFailure
            ? new RedisProblem(BackplaneFault.Authentication, exception is null ? "authentication failed" : Summarize(exception))
            : new RedisProblem(BackplaneFault.Unreachable, exception is null ? failureType.ToString() : Summarize(exception));
    }

    /// <summary>Redis refusing this node rather than failing: its credentials, or a command.</summary>
    public static bool IsMisconfiguration(RedisServerException exception) => IsAuthenticationRefused(exception) || IsCommandRefused(exception);

    /// <summary>
    /// A command this user may not run (ACL), or one Redis does not know (renamed away, or too old a Redis), also from
    /// inside a script.
    /// </summary>
    public static bool IsCommandRefused(RedisServerException exception) =>
        exception.Message.StartsWith("NOPERM", StringComparison.Ordinal)
        || exception.Message.StartsWith("ERR unknown command", StringComparison.Ordinal)
        || exception.Message.StartsWith("ERR Unknown Redis command", StringComparison.Ordinal)
        || exception.Message.StartsWith("ERR The user executing the script can't run", StringComparison.Ordinal)
        // What StackExchange.Redis gets for a transaction when MULTI was renamed away.
        || exception.Message.StartsWith("ERR EXEC without MULTI", StringComparison.Ordinal);

    /// <summary>Redis's answer without the arguments it quotes (a whole script, for EVAL).</summary>
    public static string Shorten(string message)
    {
        var arguments = message.IndexOf(", with args beginning with:", StringComparison.Ordinal);
        return arguments >= 0 ? message[..arguments] : message.TrimEnd();
    }

    private static bool IsAuthenticationRefused(RedisServerException exception) =>
        exception.Message.StartsWith("NOAUTH", StringComparison.Ordinal) || exception.Message.StartsWith("WRONGPASS", StringComparison.Ordinal);

    /// <summary>
    /// One cause: two outages, or two refusals of the credentials, are the same whatever each failure said (Redis
    /// words NOAUTH by the command it refused); missing commands differ by what Redis refused.
    /// </summary>
    public bool IsSameCause(RedisProblem? other) =>
        other is not null && other.Fault == Fault && (Fault != BackplaneFault.Unsupported || other.Detail == Detail);

    /// <summary>In words for an operator: what is wrong, where, and what to check.</summary>
    public string Describe(string endpoint) => Fault switch
    {
        BackplaneFault.Authentication =>
            $"Redis at {endpoint} refused this node's credentials ({Detail}): check the password and user in PushGateway:Redis:Configuration",
        BackplaneFault.Unsupported =>
            $"Redis at {endpoint} cannot run what the backplane needs: {Detail}",
        _ => $"cannot reach Redis at {endpoint} ({Detail}); retrying",
    };

    /// <summary>
    /// The cause without StackExchange.Redis's counters: <c>No connection is active/available to service this operation:
    /// PING; Connection refused, mc: 1/1/0, …</c> is <c>Connection refused</c>; <c>…; SimpleError: NOAUTH …</c> is <c>NOAUTH …</c>.
    /// </summary>
    private static string Summarize(Exception exception)
    {
        var message = exception.Message;
        var counters = message.IndexOf(", mc: ", StringComparison.Ordinal);
        if (counters >= 0)
        {
            message = message[..counters];
        }

        var cause = message.LastIndexOf("; ", StringComparison.Ordinal);
        message = cause >= 0 ? message[(cause + 2)..] : message;
        // How the client library labels an error reply: the reply itself is what an operator looks up.
        const string ErrorReply = "SimpleError: ";
        return message.StartsWith(ErrorReply, StringComparison.Ordinal) ? message[ErrorReply.Length..] : message;
    }
}
