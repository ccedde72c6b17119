using System.Runtime.InteropServices;

namespace PushGateway.Hosting;

/// <summary>
/// The C library's heap. glibc keeps memory freed by native code (the runtime's own threads, socket
/// and GC bookkeeping) in its arenas; after a flood of connections that was about 9 MiB that
/// <c>malloc_trim</c> gave back. Other C libraries (musl) have no such call: then this does nothing.
/// </summary>
internal static class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns the C heap's free memory to the OS; false where the C library cannot.</summary>
    public static bool Trim()
    {
        if (_unavailable)
        {
            return false;
        }

        try
        {
            _ = MallocTrim(0);
            return true;
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    // glibc's soname: musl has no malloc_trim, and "libc" alone may resolve to a linker script.
    // DllImport rather than LibraryImport: blittable, and it needs no unsafe code in the project.
    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
