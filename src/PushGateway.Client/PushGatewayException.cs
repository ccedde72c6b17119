using System.Net;
using System.Text.Json;

namespace PushGateway.Client;

/// <summary>The gateway refused a request with an answer that retrying will not change (a bad topic, a missing permission, …).</summary>
public sealed class PushGatewayException : Exception
{
    public PushGatewayException(HttpStatusCode status, string? title, string? detail)
        : base($"{(int)status} {title ?? status.ToString()}{(detail is null ? "" : ": " + detail)}")
    {
        Status = status;
        Title = title;
        Detail = detail;
    }

    public PushGatewayException()
    {
    }

    public PushGatewayException(string message)
        : base(message)
    {
    }

    public PushGatewayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode Status { get; }

    /// <summary>The problem's <c>title</c> (RFC 9457).</summary>
    public string? Title { get; }

    /// <summary>The problem's <c>detail</c>, or its field errors, one per line.</summary>
    public string? Detail { get; }

    /// <summary>Reads the problem body of a refused request.</summary>
    internal static async Task<PushGatewayException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? title = null, detail = null;
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var problem = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = problem.RootElement;
            title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                detail = string.Join('\n', errors.EnumerateObject().Select(field => $"{field.Name}: {string.Join(' ', field.Value.EnumerateArray().Select(e => e.GetString()))}"));
            }
        }
        catch (JsonException)
        {
            // Not a problem body (a proxy's page): the status says enough.
        }

        return new PushGatewayException(response.StatusCode, title, detail);
    }
}
