namespace PushGateway.Abuse;

/// <summary>Where the built gateway is, where logs go, and which CPUs servers and clients run on.</summary>
internal sealed record AbuseContext(string GatewayDll, string LogDirectory, int ServerCpu, int ClientCpu, string RedisServer);
