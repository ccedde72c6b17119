using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PushGateway.Hub;

/// <summary>
/// The id of a published message: <c>{epoch}-{sequence}</c>. The epoch (the hub's start time in Unix
/// milliseconds) keeps ids unambiguous across restarts, so a client holding an id from an earlier
/// process is recognised and told of its gap instead of being matched against a reused sequence.
/// </summary>
public readonly record struct MessageId(long Epoch, long Sequence)
{
    /// <summary>Longer strings are rejected before parsing: two 19-digit longs and a dash.</summary>
    public const int MaxLength = 39;

    /// <summary>Orders ids as the backplane assigned them: by epoch (or Redis time), then sequence.</summary>
    public static Comparer<MessageId> Order { get; } = Comparer<MessageId>.Create(
        static (a, b) => a.Epoch != b.Epoch ? a.Epoch.CompareTo(b.Epoch) : a.Sequence.CompareTo(b.Sequence));

    public bool IsAfter(MessageId other) => Order.Compare(this, other) > 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Epoch}-{Sequence}");

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out MessageId? id)
    {
        id = null;
        if (text.Length > MaxLength)
        {
            return false;
        }

        var dash = text.IndexOf('-');
        if (dash <= 0
            || !long.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !long.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        id = new MessageId(epoch, sequence);
        return true;
    }
}
