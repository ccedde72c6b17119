using System.Globalization;
using System.Text;

namespace PushGateway.Flood;

/// <summary>
/// Which mappings hold a process's RSS, from <c>/proc/PID/smaps</c>. Anonymous mappings are told
/// apart by shape: the GC reserves one huge range up front (committed parts become separate
/// mappings inside it), a glibc malloc arena is 64 MiB at a 64 MiB boundary, a thread stack follows
/// its guard page. A best guess, good enough to see which kind of memory stays.
/// </summary>
internal static class SmapsBreakdown
{
    private const long ArenaSize = 64L * 1024 * 1024;
    private const long GcReservationAtLeast = 1L << 30;
    private const long Page = 4096;

    public static string Read(int pid)
    {
        var mappings = Parse(pid);
        var gcHeap = GcReservation(mappings);
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < mappings.Count; i++)
        {
            var mapping = mappings[i];
            var kind = mapping.Path switch
            {
                "" when gcHeap.Contains(i) => "GC heap (committed regions)",
                "" when IsArena(mappings, i) => "malloc arenas",
                "" when i > 0 && IsGuardPage(mappings[i - 1], mapping) => "thread stacks",
                "" => "other anonymous (runtime, GC bookkeeping, large mallocs)",
                "[heap]" => "malloc main heap ([heap])",
                "[stack]" => "thread stacks",
                _ when mapping.Path.StartsWith("/memfd:doublemapper", StringComparison.Ordinal) => "runtime code and stubs (doublemapper)",
                _ when mapping.Path.StartsWith('[') => "other",
                _ => "files (images, ReadyToRun code)",
            };
            totals[kind] = totals.GetValueOrDefault(kind) + mapping.Rss;
        }

        var text = new StringBuilder();
        foreach (var (kind, rss) in totals.OrderByDescending(pair => pair.Value))
        {
            text.Append(CultureInfo.InvariantCulture, $"    {MemorySample.Mib(rss),5} MiB  {kind}\n");
        }

        return text.ToString();
    }

    /// <summary>Indexes of the mappings in runs of adjacent anonymous mappings that span at least 1 GiB.</summary>
    private static HashSet<int> GcReservation(List<Mapping> mappings)
    {
        var inside = new HashSet<int>();
        var runStart = 0;
        for (var i = 0; i <= mappings.Count; i++)
        {
            var continues = i < mappings.Count && mappings[i].Path.Length == 0
                && i > runStart && mappings[i - 1].End == mappings[i].Start;
            if (continues)
            {
                continue;
            }

            if (i > runStart && mappings[i - 1].End - mappings[runStart].Start >= GcReservationAtLeast)
            {
                inside.UnionWith(Enumerable.Range(runStart, i - runStart));
            }

            runStart = i < mappings.Count && mappings[i].Path.Length == 0 ? i : i + 1;
        }

        return inside;
    }

    /// <summary>A glibc arena heap: 64 MiB-aligned, its used part then its reserve, 64 MiB together.</summary>
    private static bool IsArena(List<Mapping> mappings, int i)
    {
        var mapping = mappings[i];
        if (mapping.Start % ArenaSize != 0)
        {
            return false;
        }

        var end = i + 1 < mappings.Count && mappings[i + 1].Start == mapping.End && mappings[i + 1].Path.Length == 0
            && mappings[i + 1].Perms.StartsWith("---", StringComparison.Ordinal)
            ? mappings[i + 1].End
            : mapping.End;
        return end - mapping.Start == ArenaSize;
    }

    private static bool IsGuardPage(Mapping guard, Mapping stack) =>
        guard.Path.Length == 0 && guard.End == stack.Start && guard.Perms.StartsWith("---", StringComparison.Ordinal) && guard.End - guard.Start <= 16 * Page;

    private static List<Mapping> Parse(int pid)
    {
        var mappings = new List<Mapping>();
        Mapping? current = null;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && IsHex(line.AsSpan(0, dash)))
            {
                // start-end perms offset dev inode [path]
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                current = new Mapping(
                    long.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    long.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields[1],
                    fields.Length > 5 ? fields[5].Trim() : "");
                mappings.Add(current);
            }
            else if (current is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                current.Rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return mappings;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Mapping(long start, long end, string perms, string path)
    {
        public long Start { get; } = start;

        public long End { get; } = end;

        public string Perms { get; } = perms;

        public string Path { get; } = path;

        public long Rss { get; set; }
    }
}
