namespace PushGateway.Security;

/// <summary>Topic patterns of the token claims: a topic name in which <c>*</c> matches any run of characters.</summary>
internal static class TopicPattern
{
    /// <summary>
    /// Greedy wildcard match that backtracks only to the last <c>*</c>: at most pattern length × topic length
    /// steps whatever the input, never exponential (topics are at most 256 characters; patterns come from signed tokens).
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> topic)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < topic.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && pattern[p] == topic[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string topic) =>
        patterns.Any(pattern => Matches(pattern, topic));
}
