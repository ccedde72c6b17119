using System.Globalization;
using System.Text;

namespace PushGateway.Flood;

/// <summary>
/// Which mappings hold a process's RSS, from <c>/proc/PID/smaps</c>. Anonymous mappings are told
/// apart by shape: the GC reserves one huge range up front (committed parts become separate
/// mappings inside it), glibc's malloc arenas are 64 MiB-aligned runs of 64 MiB, a thread stack is
/// a guard page followed by its stack.
/// </summary>
internal static class SmapsBreakdown
{
    private const long ArenaSize = 64L * 1024 * 1024;
    private const long GcReservationAtLeast = 1L << 30;
    private const long Page = 4096;

    public static string Read(int pid)
    {
        var mappings = Parse(pid);
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        void Add(string kind, long rss) => totals[kind] = totals.GetValueOrDefault(kind) + rss;

        var run = new List<Mapping>();
        foreach (var mapping in mappings)
        {
            if (mapping.Path.Length == 0 && (run.Count == 0 || run[^1].End == mapping.Start))
            {
                run.Add(mapping);
                continue;
            }

            Classify(run, Add);
            run.Clear();
            if (mapping.Path.Length == 0)
            {
                run.Add(mapping);
                continue;
            }

            Add(mapping.Path switch
            {
                "[heap]" => "malloc main heap ([heap])",
                "[stack]" => "thread stacks",
                _ when mapping.Path.StartsWith("/memfd:doublemapper", StringComparison.Ordinal) => "runtime code and stubs (doublemapper)",
                _ when mapping.Path.StartsWith('[') => "other",
                _ => "files (images, ReadyToRun code)",
            }, mapping.Rss);
        }

        Classify(run, Add);
        var text = new StringBuilder();
        foreach (var (kind, rss) in totals.OrderByDescending(pair => pair.Value))
        {
            text.Append(CultureInfo.InvariantCulture, $"    {MemorySample.Mib(rss),5} MiB  {kind}\n");
        }

        return text.ToString();
    }

    private static void Classify(List<Mapping> run, Action<string, long> add)
    {
        if (run.Count == 0)
        {
            return;
        }

        var size = run[^1].End - run[0].Start;
        var rss = run.Sum(mapping => mapping.Rss);
        if (size >= GcReservationAtLeast)
        {
            add("GC heap (committed regions)", rss);
        }
        else if (run[0].Start % ArenaSize == 0 && size % ArenaSize == 0)
        {
            add("malloc arenas", rss);
        }
        else if (run.Count >= 2 && run[0].Perms.StartsWith("---", StringComparison.Ordinal) && run[0].End - run[0].Start <= 16 * Page)
        {
            add("thread stacks", rss);
        }
        else
        {
            add("other anonymous (runtime, loader heaps, native)", rss);
        }
    }

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
