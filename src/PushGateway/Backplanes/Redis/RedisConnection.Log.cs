namespace PushGateway.Backplanes.Redis;

internal sealed partial class RedisConnection
{
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Redis backplane unavailable: cannot reach Redis at {Endpoint} ({Reason}); serving local connections only, publishes fail, not ready; retrying")]
    private partial void LogUnreachable(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Redis backplane unavailable: Redis at {Endpoint} refused this node's credentials ({Reason}). Check the password (and user) "
            + "in PushGateway:Redis:Configuration against Redis's requirepass or ACL users; serving local connections only, publishes fail, "
            + "not ready; retrying")]
    private partial void LogAuthenticationRefused(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Redis backplane unavailable: Redis at {Endpoint} cannot run what the backplane needs: {Reason}. Allow these commands to "
            + "this node's Redis user (ACL), undo their rename-command, or use Redis 5 or later (streams); serving local connections only, "
            + "publishes fail, not ready; checking again every second")]
    private partial void LogUnsupported(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis backplane available again at {Endpoint}: cross-node delivery resumes, the node is ready")]
    private partial void LogAvailable(string endpoint);
}
