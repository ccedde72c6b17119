using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PushGateway.Observability;

/// <summary>
/// The body of <c>/readyz</c>: the overall status and each readiness check with its status and description (why a node
/// is not ready: the backplane's cause, a drain), so that <c>curl /readyz</c> and the image's health check tell an
/// operator why, not just that. <c>{"status":"Unhealthy","checks":[{"name":"backplane","status":"Unhealthy","description":"…"}, …]}</c>
/// </summary>
internal static class ReadinessResponse
{
    // Readable as curl shows it (a description quotes Redis: 'EVAL'); JSON, never HTML, so no escaping for a page is needed.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, Options);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
