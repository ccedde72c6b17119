using System.Runtime.InteropServices;

namespace PushGateway.LoadGen;

internal static partial class Native
{
    /// <summary>A sleep far finer than <see cref="Thread.Sleep(int)"/>'s millisecond, without spinning.</summary>
    public static void SleepMicroseconds(uint microseconds) => _ = usleep(microseconds);

    [LibraryImport("libc", SetLastError = false)]
    private static partial int usleep(uint microseconds);
}
