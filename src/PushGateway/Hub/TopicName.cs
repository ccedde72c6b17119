using System.Buffers;

namespace PushGateway.Hub;

/// <summary>What a topic may be called: letters, digits and <c>-_.:/</c>, 1 to 256 characters.</summary>
internal static class TopicName
{
    public const int MaxLength = 256;

    public const string Rule = "a topic is 1 to 256 letters, digits or -_.:/";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/");

    /// <summary>The error for an invalid name, quoting (a short piece of) it.</summary>
    public static string Invalid(string? topic) =>
        $"'{(topic is { Length: > 64 } ? topic[..64] + "…" : topic)}' is not a topic: {Rule}.";

    public static bool IsValid(string? topic) =>
        topic is { Length: > 0 and <= MaxLength } && !topic.AsSpan().ContainsAnyExcept(Allowed);
}
