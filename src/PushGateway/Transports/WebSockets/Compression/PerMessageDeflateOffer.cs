using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace PushGateway.Transports.WebSockets.Compression;

/// <summary>
/// Reads a client's <c>Sec-WebSocket-Extensions</c> (RFC 6455 §9.1, RFC 7692 §5): is there a permessage-deflate
/// offer the gateway can honour? It compresses each message on its own with a 32 KiB window, so it honours
/// <c>server_no_context_takeover</c> and <c>client_no_context_takeover</c>, any <c>client_max_window_bits</c> (a hint
/// the answer may ignore: the gateway inflates with the largest window), and <c>server_max_window_bits</c> only when it
/// is 15. An offer with any other parameter, a repeated one, or a value it cannot honour is declined (§7.1), and the
/// client's next offer, if any, is read.
/// </summary>
internal static class PerMessageDeflateOffer
{
    public const string Extension = "permessage-deflate";

    public static bool HasAcceptable(StringValues headers)
    {
        foreach (var header in headers)
        {
            foreach (var offer in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (IsAcceptable(offer))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsAcceptable(string offer)
    {
        var parts = offer.Split(';', StringSplitOptions.TrimEntries);
        if (!parts[0].Equals(Extension, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in parts.AsSpan(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? parameter : parameter[..equals]).Trim();
            var value = equals < 0 ? null : parameter[(equals + 1)..].Trim().Trim('"');
            if (!seen.Add(name) || !IsHonoured(name, value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHonoured(string name, string? value) => name switch
    {
        "server_no_context_takeover" or "client_no_context_takeover" => value is null,
        "client_max_window_bits" => value is null || WindowBits(value) is not null,
        "server_max_window_bits" => WindowBits(value) == 15,
        _ => false,
    };

    private static int? WindowBits(string? value) =>
        value is { Length: 1 or 2 } && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits is >= 8 and <= 15 ? bits : null;
}
