using System.Globalization;

namespace PushGateway.Security;

/// <summary>The process's open-files limit and use, where the OS tells them (Linux's <c>/proc/self</c>).</summary>
internal static class OpenFiles
{
    private const string LimitsFile = "/proc/self/limits";
    private const string DescriptorFolder = "/proc/self/fd";

    /// <summary>The soft limit on open files (RLIMIT_NOFILE), or null where unknown or unlimited.</summary>
    public static long? SoftLimit() => File.Exists(LimitsFile) ? ParseSoftLimit(File.ReadLines(LimitsFile)) : null;

    /// <summary>File descriptors the process holds now, or null where unknown.</summary>
    public static int? InUse() => Directory.Exists(DescriptorFolder) ? Directory.EnumerateFileSystemEntries(DescriptorFolder).Count() : null;

    /// <summary>Reads the "Max open files" row of <c>/proc/self/limits</c>: name, soft limit, hard limit, unit.</summary>
    public static long? ParseSoftLimit(IEnumerable<string> lines)
    {
        const string Row = "Max open files";
        foreach (var line in lines)
        {
            if (line.StartsWith(Row, StringComparison.Ordinal))
            {
                var soft = line[Row.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;
            }
        }

        return null;
    }
}
