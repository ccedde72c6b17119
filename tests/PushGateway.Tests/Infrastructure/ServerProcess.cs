using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PushGateway.Tests.Infrastructure;

/// <summary>What the tests do to a server they start as a process of its own (redis-server, nginx).</summary>
public static class ServerProcess
{
    public const int Terminate = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    /// <summary>A POSIX signal (<see cref="Process.Kill()"/> only sends SIGKILL).</summary>
    public static void Signal(Process process, int signal)
    {
        // The message names the process from its start info: one that obeys the signal at once (nginx on SIGTERM)
        // may be gone and reaped before anything asks the runtime about it.
        if (kill(process.Id, signal) != 0)
        {
            Assert.Fail($"could not send signal {signal} to {process.StartInfo.FileName} ({process.Id})");
        }
    }

    /// <summary>
    /// Ready once it accepts connections on <paramref name="port"/>: a bounded wait for a process we cannot otherwise
    /// observe. Fails with what the process wrote when it exits first.
    /// </summary>
    public static async Task ListeningAsync(Process process, int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, TestTimeout.Token());
                return;
            }
            catch (SocketException) when (attempt < 100 && !process.HasExited)
            {
                await Task.Delay(50, TestTimeout.Token());
            }
            catch (SocketException) when (process.HasExited)
            {
                var output = await process.StandardOutput.ReadToEndAsync(TestTimeout.Token())
                    + await process.StandardError.ReadToEndAsync(TestTimeout.Token());
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode}:\n{output}");
            }
        }
    }

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);
}
