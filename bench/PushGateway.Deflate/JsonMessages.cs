using System.Globalization;
using System.Text;

namespace PushGateway.Deflate;

/// <summary>
/// JSON messages of an exact size, as a push gateway carries them: quotes (ids, symbols, prices, times) that differ
/// from message to message, so that deflate meets realistic data; one quote when small, a list of them when large,
/// padded with spaces to the size.
/// </summary>
internal static class JsonMessages
{
    public static string Make(int sequence, int size)
    {
        var random = new Random(sequence);
        var json = new StringBuilder(size + 128).Append(CultureInfo.InvariantCulture, $"{{\"seq\":{sequence},");
        if (size < 256)
        {
            Quote(json, random);
            json.Length--; // the quote's closing brace closes the message
        }
        else
        {
            json.Append("\"items\":[");
            for (var item = 0; json.Length < size - 100; item++)
            {
                json.Append(item == 0 ? "" : ",");
                Quote(json, random);
            }

            json.Append(']');
        }

        return json.Append(' ', Math.Max(0, size - json.Length - 1)).Append('}').ToString();
    }

    private static void Quote(StringBuilder json, Random random) => json.Append(CultureInfo.InvariantCulture,
        $"{{\"id\":{random.Next(100_000)},\"sym\":\"{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}X\",\"bid\":{random.Next(10_000) / 100.0:F2},\"ask\":{random.Next(10_000) / 100.0:F2},\"t\":{1_700_000_000_000L + random.Next()}}}");
}
