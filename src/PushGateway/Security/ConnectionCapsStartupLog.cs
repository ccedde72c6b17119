namespace PushGateway.Security;

/// <summary>Says at start-up how many connections the node takes, and fails the start when the caps leave no room.</summary>
internal sealed partial class ConnectionCapsStartupLog(IServiceProvider services, ILogger<ConnectionCapsStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var caps = services.GetRequiredService<ConnectionCaps>();
        var budget = services.GetRequiredService<SocketBudget>();
        LogCaps(caps.MaxConnections, caps.MaxStreams, caps.MaxWebSockets, caps.MaxSocketsPerAddress, budget.MaxSockets, budget.OpenFilesLimit);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Connection caps: {MaxConnections} connections, {MaxStreams} of them /ws and /sse, {MaxWebSockets} WebSockets, " +
        "{MaxSocketsPerAddress} per address; at most {MaxSockets} sockets (open-files limit {OpenFilesLimit}; empty means no cap)")]
    private partial void LogCaps(
        long? maxConnections, long? maxStreams, long? maxWebSockets, int? maxSocketsPerAddress, long? maxSockets, long? openFilesLimit);
}
