using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using PushGateway.Observability;

namespace PushGateway.Security;

/// <summary>
/// Counts every TCP connection from accept to close, upgraded ones included (Kestrel stops counting those against
/// its own cap). Near <see cref="ConnectionCaps.MaxConnections"/> it makes room by closing the oldest connection that
/// has sent no request yet (else the one idle the longest between requests), so that a flood of idle connections
/// churns itself while probes and publishers still get in; with nothing idle to close, a new connection is closed at once.
/// A new connection from an address at <see cref="ConnectionCaps.MaxSocketsPerAddress"/> is closed at once too.
/// Each episode at a cap is logged once, not per connection.
/// </summary>
internal sealed partial class ConnectionAdmission(ConnectionCaps caps, GatewayMetrics metrics, ILogger<ConnectionAdmission> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, AddressEntry> _addresses = [];
    // Closed to make room first: connections that have sent no request (a flood), then those between requests.
    private readonly LinkedList<AdmittedConnection> _fresh = new();
    private readonly LinkedList<AdmittedConnection> _idle = new();

    // Room is made a little below the cap: Kestrel refuses at the cap itself, before this middleware runs, and
    // counts a closed connection until its socket is gone.
    private readonly long? _makeRoomAt = caps.MaxConnections - (caps.MaxConnections is { } max ? Math.Max(8, max / 100) : 0);
    private long _open;
    private bool _atCapacity;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var admitted = new AdmittedConnection(connection, AddressOf(connection), this);
        if (!TryEnter(admitted, out var evicted))
        {
            // As Kestrel refuses past its own cap: the socket is closed without a byte read or written.
            connection.Transport.Input.Complete();
            connection.Transport.Output.Complete();
            return;
        }

        if (evicted is not null)
        {
            metrics.ConnectionEvicted();
            evicted.Connection.Abort(new ConnectionAbortedException("Closed to make room: idle while the node is at its connection cap."));
        }

        connection.Features.Set(admitted);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Leave(admitted);
        }
    }

    public void RequestStarted(AdmittedConnection connection)
    {
        lock (_lock)
        {
            connection.ActiveRequests++;
            if (connection.IdleNode is { } node)
            {
                node.List!.Remove(node);
                connection.IdleNode = null;
            }
        }
    }

    public void RequestEnded(AdmittedConnection connection)
    {
        lock (_lock)
        {
            if (--connection.ActiveRequests == 0 && connection.IsOpen)
            {
                connection.IdleNode = _idle.AddLast(connection);
            }
        }
    }

    private bool TryEnter(AdmittedConnection connection, out AdmittedConnection? evicted)
    {
        evicted = null;
        string refusal;
        var firstRefusal = false;
        var address = connection.Address;
        lock (_lock)
        {
            if (caps.MaxSocketsPerAddress is { } perAddress && address is not null)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_addresses, address, out _);
                if (entry.Open >= perAddress)
                {
                    refusal = "address";
                    firstRefusal = !entry.Refused;
                    entry.Refused = true;
                }
                else if (TryMakeRoom(out evicted))
                {
                    entry.Open++;
                    Entered(connection);
                    return true;
                }
                else
                {
                    refusal = "capacity";
                    if (entry.Open == 0)
                    {
                        _addresses.Remove(address);
                    }
                }
            }
            else if (TryMakeRoom(out evicted))
            {
                Entered(connection);
                return true;
            }
            else
            {
                refusal = "capacity";
            }
        }

        metrics.ConnectionRefused(refusal);
        if (firstRefusal)
        {
            LogAddressAtCap(address!, caps.MaxSocketsPerAddress!.Value);
        }

        return false;
    }

    /// <summary>True when one more connection fits, after closing the longest idle one if the node is near its cap. Under the lock.</summary>
    private bool TryMakeRoom(out AdmittedConnection? evicted)
    {
        evicted = null;
        if (_open < _makeRoomAt)
        {
            return true;
        }

        if (!_atCapacity)
        {
            // Kestrel refuses at the cap before this middleware sees the connection: the episode starts here.
            _atCapacity = true;
            LogAtCapacity(caps.MaxConnections!.Value);
        }

        if ((_fresh.First ?? _idle.First) is { } oldest)
        {
            oldest.List!.Remove(oldest);
            oldest.Value.IdleNode = null;
            evicted = oldest.Value;
            return true;
        }

        return _open < caps.MaxConnections;
    }

    /// <summary>Counts an admitted connection, idle until its first request. Under the lock.</summary>
    private void Entered(AdmittedConnection connection)
    {
        _open++;
        connection.IdleNode = _fresh.AddLast(connection);
    }

    private void Leave(AdmittedConnection connection)
    {
        lock (_lock)
        {
            _open--;
            connection.IsOpen = false;
            if (connection.IdleNode is { } node)
            {
                node.List!.Remove(node);
                connection.IdleNode = null;
            }

            if (connection.Address is { } address)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_addresses, address);
                if (!Unsafe.IsNullRef(ref entry) && --entry.Open == 0)
                {
                    _addresses.Remove(address);
                }
            }

            // Hysteresis: a node that hovers at its cap logs one episode, not a line per close.
            if (_atCapacity && _open < caps.MaxConnections * 9 / 10)
            {
                _atCapacity = false;
                LogBelowCapacity(_open);
            }
        }
    }

    private static IPAddress? AddressOf(ConnectionContext connection) =>
        connection.RemoteEndPoint is IPEndPoint { Address: var address }
            ? address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address
            : null;

    /// <summary>A struct in the dictionary: no allocation per address.</summary>
    private struct AddressEntry
    {
        public int Open;
        public bool Refused;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "At the connection cap ({MaxConnections}, Kestrel:Limits:MaxConcurrentConnections): idle connections are closed to make room, new ones while none is idle.")]
    private partial void LogAtCapacity(long maxConnections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Below the connection cap again: {OpenConnections} connections open.")]
    private partial void LogBelowCapacity(long openConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "{RemoteAddress} holds {MaxSocketsPerAddress} connections: its new ones are closed until some end (PushGateway:Limits:MaxSocketsPerAddress).")]
    private partial void LogAddressAtCap(IPAddress remoteAddress, int maxSocketsPerAddress);
}
