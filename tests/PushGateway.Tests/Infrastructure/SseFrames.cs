namespace PushGateway.Tests.Infrastructure;

/// <summary>An event stream read line by line, as bytes on the wire: comments and id lines that <c>SseParser</c> hides.</summary>
public static class SseFrames
{
    /// <summary>The lines of the next frame (an event, a comment, a <c>retry:</c>), up to its blank line.</summary>
    public static async Task<List<string>> ReadAsync(StreamReader reader)
    {
        var lines = new List<string>();
        while (await reader.ReadLineAsync(TestTimeout.Token()) is { Length: > 0 } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
