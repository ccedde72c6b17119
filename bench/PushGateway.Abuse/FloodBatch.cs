using System.Globalization;

namespace PushGateway.Abuse;

/// <summary>The connections one flood process opens: <see cref="Count"/> of a kind, <see cref="PerAddress"/> per source address from flood address <see cref="FirstAddress"/> on.</summary>
internal sealed record FloodBatch(FloodKind Kind, int Count, int FirstAddress, int PerAddress)
{
    public string[] Arguments(int port) =>
        [port.ToString(CultureInfo.InvariantCulture), Kind.ToString(), Count.ToString(CultureInfo.InvariantCulture),
            FirstAddress.ToString(CultureInfo.InvariantCulture), PerAddress.ToString(CultureInfo.InvariantCulture)];

    public int Addresses => (Count + PerAddress - 1) / PerAddress;

    public static FloodBatch Parse(string[] arguments) => new(
        Enum.Parse<FloodKind>(arguments[1]), Parse(arguments[2]), Parse(arguments[3]), Parse(arguments[4]));

    private static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
