namespace PushGateway.Hosting;

/// <summary>
/// Where the host reads <c>appsettings.json</c> from. Unless a content root is given (<c>--contentRoot</c>,
/// <c>ASPNETCORE_CONTENTROOT</c>, <c>DOTNET_CONTENTROOT</c>), it is the application's own directory, not the
/// working directory: started as <c>dotnet /opt/pushgateway/PushGateway.dll</c> from a systemd unit or a script,
/// the gateway still finds its settings.
/// </summary>
internal static class ContentRoot
{
    /// <summary>The content root to use, or null to leave the host's choice (one was given).</summary>
    public static string? For(string[] args)
    {
        var given = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[HostDefaults.ContentRootKey];
        return string.IsNullOrEmpty(given) ? AppContext.BaseDirectory : null;
    }
}
