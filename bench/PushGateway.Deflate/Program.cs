using PushGateway.Deflate;

// Bytes on the wire and server CPU per delivered message, permessage-deflate on and off (issue 16, part 3).
if (args is not ["run", .. var rest])
{
    Console.Error.WriteLine(
        "usage: PushGateway.Deflate run --gateway path [--gateway-cpu 0] [--subscribers 100] [--messages 2000] [--warmup 300] [--window 32] " +
        "[--sizes 100,4096] [--minimum-size N] [--level Fastest|Optimal|SmallestSize]");
    return 2;
}

var options = DeflateOptions.Parse(rest);
using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(20));
Console.WriteLine($"{options.Subscribers} subscribers, {options.Messages} messages per case (after {options.Warmup} to warm up), window {options.Window}");
Console.WriteLine();
Console.WriteLine("| JSON message | compression | wire bytes per delivered message | of uncompressed | server CPU per delivered message | client CPU per delivered message | delivered |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var size in options.Sizes)
{
    CaseResult? plain = null;
    foreach (var compression in new[] { false, true })
    {
        var result = await DeflateCase.RunAsync(options, size, compression, deadline.Token).ConfigureAwait(false);
        plain ??= result;
        Console.WriteLine(result.Row(plain));
    }
}

return 0;
