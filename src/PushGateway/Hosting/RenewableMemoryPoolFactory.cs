using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace PushGateway.Hosting;

/// <summary>
/// Wraps the server's <see cref="IMemoryPoolFactory{T}"/> (Kestrel's, with its eviction and
/// metrics): every pool it creates is a <see cref="RenewableMemoryPool"/>, so that
/// <see cref="RenewAll"/> can drop all idle blocks at once after a flood of connections.
/// </summary>
internal sealed class RenewableMemoryPoolFactory(IMemoryPoolFactory<byte> inner) : IMemoryPoolFactory<byte>
{
    private readonly ConcurrentDictionary<RenewableMemoryPool, bool> _pools = new();

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new RenewableMemoryPool(() => inner.Create(options));
        _pools.TryAdd(pool, true);
        return pool;
    }

    /// <summary>Renews every pool created so far and forgets those already disposed; returns how many were renewed.</summary>
    public int RenewAll()
    {
        var renewed = 0;
        foreach (var pool in _pools.Keys)
        {
            if (pool.Renew())
            {
                renewed++;
            }
            else
            {
                _pools.TryRemove(pool, out _);
            }
        }

        return renewed;
    }
}
