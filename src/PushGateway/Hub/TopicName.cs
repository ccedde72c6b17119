using System.Buffers;

namespace PushGateway.Hub;

/// <summary>What a topic may be called: letters, digits and <c>-_.:/</c>, 1 to 256 characters.</summary>
public static class TopicName
{
    public const int MaxLength = 256;

    public const string Rule = "a topic is 1 to 256 letters, digits or -_.:/";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/");

    public static bool IsValid(string? topic) =>
        topic is { Length: > 0 and <= MaxLength } && !topic.AsSpan().ContainsAnyExcept(Allowed);
}
