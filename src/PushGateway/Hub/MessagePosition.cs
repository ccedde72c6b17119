using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PushGateway.Hub;

/// <summary>
/// Where a published message sits in the gateway's stream, <c>{epoch}-{sequence}</c>: what orders messages,
/// what history is read after, and the id clients see unless the publisher set its own. The epoch (the hub's
/// start time in Unix milliseconds, or Redis time) keeps positions unambiguous across restarts, so a client
/// holding one from an earlier process is told of its gap instead of being matched against a reused sequence.
/// </summary>
internal readonly record struct MessagePosition(long Epoch, long Sequence)
{
    /// <summary>Longer strings are rejected before parsing: two 19-digit longs and a dash.</summary>
    public const int MaxLength = 39;

    /// <summary>Orders positions as the backplane assigned them: by epoch (or Redis time), then sequence.</summary>
    public static Comparer<MessagePosition> Order { get; } = Comparer<MessagePosition>.Create(
        static (a, b) => a.Epoch != b.Epoch ? a.Epoch.CompareTo(b.Epoch) : a.Sequence.CompareTo(b.Sequence));

    public bool IsAfter(MessagePosition other) => Order.Compare(this, other) > 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Epoch}-{Sequence}");

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out MessagePosition? position)
    {
        position = null;
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

        position = new MessagePosition(epoch, sequence);
        return true;
    }
}
