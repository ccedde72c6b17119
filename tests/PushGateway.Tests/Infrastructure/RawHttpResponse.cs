using System.Globalization;
using System.Text;

namespace PushGateway.Tests.Infrastructure;

/// <summary>A response read off a bare socket by <see cref="RawHttp"/>; a chunked body is already joined.</summary>
public sealed record RawHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.GetValueOrDefault("Content-Type");

    public static RawHttpResponse Parse(ReadOnlySpan<byte> received)
    {
        var end = received.IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, $"not an HTTP response: '{Encoding.Latin1.GetString(received)}'");
        var lines = Encoding.Latin1.GetString(received[..end]).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => string.Join(", ", group.Select(pair => pair[1].Trim())), StringComparer.OrdinalIgnoreCase);
        var body = received[(end + 4)..];
        return new RawHttpResponse(
            status, headers, Encoding.UTF8.GetString(headers.GetValueOrDefault("Transfer-Encoding") == "chunked" ? Dechunk(body) : body));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> chunked)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(chunked[..lineEnd]), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return body.ToArray();
            }

            body.Write(chunked.Slice(lineEnd + 2, size));
            chunked = chunked[(lineEnd + 2 + size + 2)..];
        }
    }
}
