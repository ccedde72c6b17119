using System.Globalization;
using PushGateway.Flood;

// `run [options]`: the flood and the RSS samples (see FloodOptions); `worker port sse ws idle`: a client process, started by `run`.
if (args is ["worker", var port, var sse, var ws, var idle])
{
    return await FloodWorker.RunAsync(Parse(port), Parse(sse), Parse(ws), Parse(idle)).ConfigureAwait(false);
}

if (args is not ["run", .. var rest])
{
    Console.Error.WriteLine("usage: PushGateway.Flood run [--gateway path] [--connections 18000] [--processes 3] [--cycles 4] [--hold 5] [--after 70] [--gateway-env KEY=VALUE] ...");
    return 2;
}

// The whole run is bounded: cycles × (opening + hold + after) plus start-up, never longer than this.
using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(30));
await new Flood(FloodOptions.Parse(rest)).RunAsync(deadline.Token).ConfigureAwait(false);
return 0;

static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);
