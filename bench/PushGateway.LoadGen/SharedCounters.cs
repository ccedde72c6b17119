using System.IO.MemoryMappedFiles;

namespace PushGateway.LoadGen;

/// <summary>
/// Counters that worker processes write and the orchestrator reads without a round trip: a file
/// in <c>/dev/shm</c> mapped by every process, one 64-byte slot per worker.
/// </summary>
internal sealed unsafe class SharedCounters : IDisposable
{
    private const int SlotLongs = 8;
    private const int DeliveredField = 0;
    private const int LostField = 3;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _base;

    public SharedCounters(string path, int slots)
    {
        Slots = slots;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.OpenOrCreate, mapName: null, capacity: slots * SlotLongs * sizeof(long));
        _view = _file.CreateViewAccessor();
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = (long*)(pointer + _view.PointerOffset);
    }

    public int Slots { get; }

    /// <summary>Messages received by the worker's subscribers, all together.</summary>
    public ref long Delivered(int slot) => ref _base[(slot * SlotLongs) + DeliveredField];

    /// <summary>Every sequence number up to this one has reached every live subscriber of the worker.</summary>
    public ref long Watermark(int slot) => ref _base[(slot * SlotLongs) + 1];

    public ref long Connected(int slot) => ref _base[(slot * SlotLongs) + 2];

    /// <summary>Subscribers whose connection ended (closed by the server, or failed).</summary>
    public ref long Lost(int slot) => ref _base[(slot * SlotLongs) + LostField];

    public long TotalDelivered() => Sum(DeliveredField);

    public long LowestWatermark()
    {
        var lowest = long.MaxValue;
        for (var slot = 0; slot < Slots; slot++)
        {
            lowest = Math.Min(lowest, Volatile.Read(ref Watermark(slot)));
        }

        return lowest;
    }

    public long TotalLost() => Sum(LostField);

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private long Sum(int field)
    {
        long total = 0;
        for (var slot = 0; slot < Slots; slot++)
        {
            total += Volatile.Read(ref _base[(slot * SlotLongs) + field]);
        }

        return total;
    }
}
