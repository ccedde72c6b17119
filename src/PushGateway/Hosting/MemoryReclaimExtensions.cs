using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PushGateway.Hosting;

internal static class MemoryReclaimExtensions
{
    /// <summary>
    /// The <see cref="MemoryReclaimService"/>, configured by <see cref="MemoryReclaimOptions"/>, and
    /// the server's memory pools made renewable (<see cref="AddRenewableMemoryPools"/>).
    /// </summary>
    public static IServiceCollection AddMemoryReclaim(this IServiceCollection services)
    {
        services.AddValidatedOptions<MemoryReclaimOptions>(MemoryReclaimOptions.Section);
        services.TryAddSingleton<ServerConnectionCounter>();
        services.AddHostedService<MemoryReclaimService>();
        services.AddRenewableMemoryPools();
        return services;
    }

    /// <summary>
    /// Wraps the server's memory pool factory, as registered so far, in a
    /// <see cref="RenewableMemoryPoolFactory"/>. Kestrel's transport takes the last registration:
    /// call this after the server is registered (WebApplication.CreateBuilder registers Kestrel).
    /// Without a server registration it does nothing.
    /// </summary>
    internal static IServiceCollection AddRenewableMemoryPools(this IServiceCollection services)
    {
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IMemoryPoolFactory<byte>) && !d.IsKeyedService);
        // Wrapped already: wrapping our own registration would make the factory resolve itself.
        if (server is null || server.ImplementationFactory?.Method == ((Func<IServiceProvider, RenewableMemoryPoolFactory>)Renewable).Method)
        {
            return services;
        }

        services.AddSingleton(provider => new RenewableMemoryPoolFactory((IMemoryPoolFactory<byte>)(
            server.ImplementationInstance
            ?? server.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.GetServiceOrCreateInstance(provider, server.ImplementationType!))));
        services.AddSingleton<IMemoryPoolFactory<byte>>(Renewable);
        return services;
    }

    private static RenewableMemoryPoolFactory Renewable(IServiceProvider provider) => provider.GetRequiredService<RenewableMemoryPoolFactory>();
}
