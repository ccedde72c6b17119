// Benchmark peer: the classic SignalR broadcast server.
// Usage: dotnet SignalRPeer.dll [port]   (default 9000, loopback only)
// Hub at /hub (JSON protocol); invoking Broadcast(message) sends "message" to every client.
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR;

var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9000;

var builder = WebApplication.CreateBuilder(args.Length > 1 ? args[1..] : []);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
builder.Services.AddSignalR();

var app = builder.Build();
app.MapHub<BroadcastHub>("/hub");

await app.StartAsync();
Console.WriteLine("READY");
await app.WaitForShutdownAsync();

/// <summary>The classic SignalR broadcast: every invocation goes to every connected client.</summary>
internal sealed class BroadcastHub : Hub
{
    public Task Broadcast(string message) => Clients.All.SendAsync("message", message);
}
