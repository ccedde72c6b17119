using System.Globalization;

namespace PushGateway.Flood;

/// <summary>A process's memory from <c>/proc/PID/status</c>, in bytes.</summary>
internal sealed record MemorySample(long Rss, long Anonymous, long File, long Shared, int Threads)
{
    public static MemorySample Read(int pid)
    {
        long rss = 0, anonymous = 0, file = 0, shared = 0;
        var threads = 0;
        foreach (var line in System.IO.File.ReadLines($"/proc/{pid}/status"))
        {
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "VmRSS:": rss = Kibibytes(parts[1]); break;
                case "RssAnon:": anonymous = Kibibytes(parts[1]); break;
                case "RssFile:": file = Kibibytes(parts[1]); break;
                case "RssShmem:": shared = Kibibytes(parts[1]); break;
                case "Threads:": threads = int.Parse(parts[1], CultureInfo.InvariantCulture); break;
                default: break;
            }
        }

        return new MemorySample(rss, anonymous, file, shared, threads);
    }

    public override string ToString() =>
        $"RSS {Mib(Rss),4} MiB (anon {Mib(Anonymous)}, file {Mib(File)}, shmem {Mib(Shared)}), {Threads} threads";

    public static long Mib(long bytes) => (bytes + (512 * 1024)) / (1024 * 1024);

    private static long Kibibytes(string value) => long.Parse(value, CultureInfo.InvariantCulture) * 1024;
}
