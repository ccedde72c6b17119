using PushGateway.Hosting;
using PushGateway.Observability;

if (HealthCheckCommand.IsRequested(args))
{
    return await HealthCheckCommand.RunAsync(args, Console.Out);
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = ContentRoot.For(args),
    // The demo pages are copied next to the binaries at build time (see the .csproj).
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});

builder.UseDefaultUrl();
builder.AddGatewayLogging();
builder.Services.AddPushGateway();

var app = builder.Build();
app.MapPushGateway();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
