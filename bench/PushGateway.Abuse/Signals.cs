using System.Runtime.InteropServices;

namespace PushGateway.Abuse;

/// <summary>POSIX signals to a process of ours: pause, resume, ask to stop, and kill without a chance to clean up.</summary>
internal static partial class Signals
{
    public const int Hangup = 1;
    public const int Kill = 9;
    public const int Terminate = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    public static void Send(int processId, int signal)
    {
        if (kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
