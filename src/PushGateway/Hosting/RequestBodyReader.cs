using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace PushGateway.Hosting;

/// <summary>
/// Reads request bodies from clients that may be hostile, broken or gone. Every way a body can fail
/// to read becomes a problem answer (or, for a client that has left, an aborted request), never an
/// exception: the host would answer that with a 500 and log it as an error, with a stack trace,
/// for each such request a client cares to send.
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>The field a problem names when the body as a whole is at fault.</summary>
    public const string BodyField = "body";

    /// <summary>
    /// Call before reading: caps the body at <paramref name="maxBytes"/>. A declared larger body gets the 413 returned
    /// here at once; an undeclared (chunked) one fails with a 413 <see cref="BadHttpRequestException"/> while read.
    /// </summary>
    public static IResult? CapSize(HttpContext context, int maxBytes, string what)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return Problems.TooLarge($"{what} takes at most {maxBytes} bytes.");
        }

        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = maxBytes;
        return null;
    }

    /// <summary>
    /// A JSON body, in UTF-8 or the charset its <c>Content-Type</c> names. A syntax error names
    /// <see cref="BodyField"/>; a value of the wrong type, or a property given twice (when
    /// <paramref name="typeInfo"/> forbids that), names that property.
    /// </summary>
    public static async Task<BodyRead<T>> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
    {
        if (!TryGetEncoding(context.Request, out var encoding, out var unsupported))
        {
            return new(default, unsupported);
        }

        try
        {
            var body = context.Request.Body;
            if (encoding is null)
            {
                return new(await JsonSerializer.DeserializeAsync(body, typeInfo, context.RequestAborted).ConfigureAwait(false), null);
            }

            var transcoded = Encoding.CreateTranscodingStream(body, encoding, Encoding.UTF8, leaveOpen: true);
            await using (transcoded.ConfigureAwait(false))
            {
                return new(await JsonSerializer.DeserializeAsync(transcoded, typeInfo, context.RequestAborted).ConfigureAwait(false), null);
            }
        }
        catch (JsonException exception)
        {
            return new(default, Problems.Invalid(FieldOf(exception, typeInfo), $"Not the expected JSON: {exception.Message}"));
        }
        catch (Exception exception) when (IsUnreadable(exception))
        {
            return new(default, Unreadable(context, exception));
        }
    }

    /// <summary>An <c>application/x-www-form-urlencoded</c> or <c>multipart/form-data</c> body.</summary>
    public static async Task<BodyRead<IFormCollection>> ReadFormAsync(HttpContext context)
    {
        if (!TryGetEncoding(context.Request, out _, out var unsupported))
        {
            return new(default, unsupported);
        }

        try
        {
            return new(await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false), null);
        }
        catch (InvalidDataException exception)
        {
            // Malformed multipart, no boundary, too many fields, keys or values too long (FormOptions).
            return new(default, Problems.Invalid(BodyField, $"Not a readable form: {exception.Message}"));
        }
        catch (Exception exception) when (IsUnreadable(exception))
        {
            return new(default, Unreadable(context, exception));
        }
    }

    /// <summary>
    /// The charset of the body, null for UTF-8 (or none named); false with a 415 for one this runtime
    /// cannot decode (an unknown name, an empty one, or UTF-7, which .NET refuses).
    /// </summary>
    private static bool TryGetEncoding(HttpRequest request, out Encoding? encoding, out IResult? unsupported)
    {
        encoding = null;
        unsupported = null;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.Charset.HasValue)
        {
            return true;
        }

        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        if (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            encoding = Encoding.GetEncoding(charset.ToString());
            return true;
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            var shown = charset.Length > 64 ? $"{charset.Subsegment(0, 64)}…" : charset.ToString();
            unsupported = Problems.UnsupportedMediaType($"The charset '{shown}' is not one the gateway can read: send UTF-8.");
            return false;
        }
    }

    /// <summary>
    /// A body that could not be read at all: the client left (a reset is an <see cref="IOException"/>),
    /// the framing was broken (Kestrel's 400, 408 or 413), or the body ended before its content did
    /// (a multipart body cut short).
    /// </summary>
    private static bool IsUnreadable(Exception exception) =>
        exception is OperationCanceledException or BadHttpRequestException or IOException;

    private static IResult Unreadable(HttpContext context, Exception exception)
    {
        if (exception is OperationCanceledException or ConnectionResetException || context.RequestAborted.IsCancellationRequested)
        {
            // Nobody to answer (a reset can reach the body reader before RequestAborted fires);
            // aborting also keeps Kestrel from draining a body reader left mid-read.
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            context.Abort();
            return Results.Empty;
        }

        // What is left of the request cannot be framed: close the connection after the answer
        // rather than let Kestrel drain, or parse the rest as the next request.
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }

        return exception is BadHttpRequestException badRequest
            ? Problems.Status(badRequest.StatusCode, badRequest.Message)
            : Problems.Invalid(BodyField, "The body ended before its content did (a truncated multipart body?).");
    }

    /// <summary>
    /// The property a JSON error is about, from its path (<c>$.retry</c>, <c>$.topic[1]</c>);
    /// <see cref="BodyField"/> for a syntax error, which the reader reports wherever it stopped.
    /// </summary>
    private static string FieldOf<T>(JsonException exception, JsonTypeInfo<T> typeInfo)
    {
        if (exception.InnerException is JsonException || exception.Path is not { } path || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return BodyField;
        }

        var name = path.AsSpan(2);
        var end = name.IndexOfAny('.', '[');
        if (end >= 0)
        {
            name = name[..end];
        }

        foreach (var property in typeInfo.Properties)
        {
            if (name.Equals(property.Name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Name;
            }
        }

        return BodyField;
    }
}
