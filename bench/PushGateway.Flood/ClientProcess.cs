using System.Diagnostics;
using System.Globalization;

namespace PushGateway.Flood;

/// <summary>A <see cref="FloodWorker"/> process, driven through its stdin and stdout.</summary>
internal sealed class ClientProcess : IDisposable
{
    private readonly Process _process;

    private ClientProcess(Process process) => _process = process;

    public static ClientProcess Start(int port, int sse, int ws, int idle)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ClientProcess).Assembly.Location);
        }

        foreach (var argument in new object[] { "worker", port, sse, ws, idle })
        {
            start.ArgumentList.Add(Convert.ToString(argument, CultureInfo.InvariantCulture)!);
        }

        return new ClientProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start a client process."));
    }

    /// <summary>Waits for the line saying all connections were attempted: <c>OPEN opened failed [first error]</c>.</summary>
    public async Task<(int Opened, int Failed, string FirstError)> OpenedAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("A client process ended before opening its connections.");
        var parts = line.Split(' ', 4);
        return (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), parts.Length > 3 ? parts[3] : "");
    }

    /// <summary>Closes every connection of the process and waits until it has exited.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("CLOSE").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
