using Microsoft.Extensions.Primitives;

namespace PushGateway.Transports.WebSockets;

/// <summary>The browser-origin allow-list of <c>/ws</c>.</summary>
internal static class OriginPolicy
{
    /// <summary>
    /// Non-browser clients send no Origin and are let through: the list guards against other sites'
    /// pages, which always send one.
    /// </summary>
    public static bool IsAllowed(StringValues origin, IList<string> allowedOrigins)
    {
        if (allowedOrigins.Count == 0 || StringValues.IsNullOrEmpty(origin))
        {
            return true;
        }

        var requested = origin.ToString().TrimEnd('/');
        foreach (var allowed in allowedOrigins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), requested, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
