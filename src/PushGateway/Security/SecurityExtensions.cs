using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushGateway.Hosting;

namespace PushGateway.Security;

internal static class SecurityExtensions
{
    /// <summary>
    /// JWT bearer authentication, the topic authorizer (<see cref="AuthOptions"/>) and the rate limits
    /// (<see cref="LimitsOptions"/>), and the connection caps (<see cref="ConnectionCaps"/>).
    /// </summary>
    public static IServiceCollection AddGatewaySecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>());
        services.TryAddSingleton<TopicAuthorizer>();
        services.TryAddSingleton<TokenValidator>();
        services.AddHostedService<AuthStartupCheck>();
        services.AddValidatedOptions<LimitsOptions>(LimitsOptions.Section);
        services.AddRateLimiter(RateLimitPolicies.Configure);
        services.TryAddSingleton<InboundMessageLimiter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, ConfigureKestrelLimits>());
        services.TryAddSingleton<SocketBudget>();
        services.TryAddSingleton<SocketGate>();
        GateSocketTransport(services);
        services.TryAddSingleton<ConnectionCaps>();
        services.TryAddSingleton<ConnectionAdmission>();
        services.TryAddSingleton<StreamAdmission>();
        services.AddHostedService<ConnectionCapsStartupLog>();
        return services;
    }

    /// <summary>Puts Kestrel's socket transport, registered by the host, behind the <see cref="SocketGate"/>.</summary>
    private static void GateSocketTransport(IServiceCollection services)
    {
        var sockets = services.FirstOrDefault(service =>
            service.ServiceType == typeof(IConnectionListenerFactory) && service.ImplementationType == typeof(SocketTransportFactory));
        if (sockets is null)
        {
            return;
        }

        services.Remove(sockets);
        services.TryAddSingleton<SocketTransportFactory>();
        services.AddSingleton<IConnectionListenerFactory>(provider =>
            new GatedConnectionListenerFactory(provider.GetRequiredService<SocketTransportFactory>(), provider.GetRequiredService<SocketGate>()));
    }
}
