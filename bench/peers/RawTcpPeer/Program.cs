// Benchmark peer: the least work this machine can do to broadcast bytes over TCP.
// Usage: dotnet RawTcpPeer.dll [port]   (default 9000, loopback only)
//
// Protocol: every accepted connection is a subscriber, unless its first 4 bytes are "PUB\n":
// then it is the publisher and sends newline-terminated records, and every complete record,
// '\n' included, is sent verbatim to every subscriber.
//
// Design: the publisher appends whole read buffers' worth of complete records to a shared,
// append-only singly linked list of chunks and wakes the subscribers. Each subscriber's send
// loop owns a cursor into that list and sends everything up to the head in one gathered
// SendAsync. The log only holds the newest chunk; older chunks stay alive only while some
// subscriber's cursor still reaches them, so the GC trims what every subscriber has passed.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9000;
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(8192); // bursts of thousands of connects must not overflow the backlog
Console.WriteLine("READY");

while (true)
{
    Socket socket;
    try
    {
        socket = await listener.AcceptAsync();
    }
    catch (SocketException)
    {
        continue; // e.g. the peer reset the connection before we accepted it
    }
    socket.NoDelay = true;
    _ = Broadcaster.ServeAsync(socket);
}

/// <summary>One piece of the log: complete records, and the log offset at its end.</summary>
internal sealed class Chunk(byte[] data, long end)
{
    public readonly byte[] Data = data;
    public readonly long End = end;
    public Chunk? Next; // written once by the publisher, read with Volatile by subscribers
}

internal sealed class Subscriber(Socket socket, Chunk cursor)
{
    public readonly Socket Socket = socket;
    // Capacity 1 + DropWrite: a wake-up while one is already pending coalesces into it.
    public readonly Channel<bool> Wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    public Chunk Cursor = cursor; // last chunk fully sent
    private int _closed;

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        Broadcaster.Subscribers.TryRemove(this, out _);
        Wake.Writer.TryComplete();
        Socket.Dispose(); // fails any pending send/receive, which ends both loops
    }
}

internal static class Broadcaster
{
    private const long MaxLagBytes = 64L << 20; // a subscriber this far behind is dropped
    private const int MaxSegmentsPerSend = 256;
    private static readonly Lock LogLock = new();
    private static Chunk _head = new([], 0);

    public static readonly ConcurrentDictionary<Subscriber, byte> Subscribers = new();

    public static async Task ServeAsync(Socket socket)
    {
        var sub = new Subscriber(socket, Volatile.Read(ref _head));
        Subscribers[sub] = 0;
        _ = SendLoopAsync(sub);
        try
        {
            // Read the first 4 bytes (a subscriber may send nothing at all; this just waits).
            var header = new byte[4];
            var got = 0;
            while (got < 4)
            {
                var n = await socket.ReceiveAsync(header.AsMemory(got));
                if (n == 0)
                {
                    return;
                }
                got += n;
            }
            if (!"PUB\n"u8.SequenceEqual(header))
            {
                // A subscriber: discard anything it sends, just notice when it goes away.
                while (await socket.ReceiveAsync(header.AsMemory()) > 0)
                {
                }
                return;
            }
            Subscribers.TryRemove(sub, out _);
            sub.Wake.Writer.TryComplete(); // ends its send loop; the socket stays open
            await PublishLoopAsync(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Abrupt disconnects are normal under load.
        }
        finally
        {
            sub.Close();
        }
    }

    private static async Task PublishLoopAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled));
            if (n == 0)
            {
                return;
            }
            filled += n;
            var complete = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (complete == 0)
            {
                if (filled == buffer.Length)
                {
                    return; // a 64 KiB "record": not our protocol
                }
                continue;
            }
            Append(buffer.AsSpan(0, complete).ToArray());
            // Keep the partial record that follows the last '\n' for the next read.
            buffer.AsSpan(complete, filled - complete).CopyTo(buffer);
            filled -= complete;
        }
    }

    private static void Append(byte[] data)
    {
        Chunk head;
        lock (LogLock)
        {
            head = new Chunk(data, _head.End + data.Length);
            Volatile.Write(ref _head.Next, head);
            Volatile.Write(ref _head, head);
        }
        foreach (var (sub, _) in Subscribers)
        {
            if (head.End - Volatile.Read(ref sub.Cursor).End > MaxLagBytes)
            {
                sub.Close(); // stalled: drop it so its cursor stops pinning the log
            }
            else
            {
                sub.Wake.Writer.TryWrite(true);
            }
        }
    }

    private static async Task SendLoopAsync(Subscriber sub)
    {
        var segments = new List<ArraySegment<byte>>(MaxSegmentsPerSend);
        try
        {
            do
            {
                sub.Wake.Reader.TryRead(out _);
                // Send everything from the cursor to the head, many chunks per syscall.
                while (Volatile.Read(ref sub.Cursor.Next) is { } first)
                {
                    segments.Clear();
                    var last = first;
                    for (Chunk? c = first; c is not null && segments.Count < MaxSegmentsPerSend; c = Volatile.Read(ref c.Next))
                    {
                        segments.Add(c.Data);
                        last = c;
                    }
                    await SendAllAsync(sub.Socket, segments);
                    Volatile.Write(ref sub.Cursor, last);
                }
            }
            while (await sub.Wake.Reader.WaitToReadAsync());
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            sub.Close();
        }
    }

    private static async Task SendAllAsync(Socket socket, List<ArraySegment<byte>> segments)
    {
        var sent = await socket.SendAsync(segments);
        // Sockets normally send the whole gather list; finish by hand if one ever sends less.
        for (var i = 0; i < segments.Count; i++)
        {
            var seg = segments[i];
            if (sent >= seg.Count)
            {
                sent -= seg.Count;
                continue;
            }
            for (var rest = seg.Slice(sent); rest.Count > 0; rest = rest.Slice(sent))
            {
                sent = await socket.SendAsync(rest);
            }
            sent = 0;
        }
    }
}
