using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using PushGateway.Observability;

namespace PushGateway.Security;

/// <summary>
/// Counts every TCP connection from accept to close, upgraded ones included (Kestrel stops counting those
/// against its own cap), and closes a new one at once when the node is at <see cref="ConnectionCaps.MaxConnections"/>
/// or its address at <see cref="ConnectionCaps.MaxSocketsPerAddress"/>: idle connections that never send a
/// request would otherwise pass every per-request limit. Each episode at a cap is logged once, not per connection.
/// </summary>
internal sealed partial class ConnectionAdmission(ConnectionCaps caps, GatewayMetrics metrics, ILogger<ConnectionAdmission> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, AddressEntry> _addresses = [];
    private long _open;
    private bool _atCapacity;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var address = AddressOf(connection);
        if (!TryEnter(address))
        {
            // As Kestrel refuses past its own cap: the socket is closed without a byte read or written.
            connection.Transport.Input.Complete();
            connection.Transport.Output.Complete();
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Leave(address);
        }
    }

    private bool TryEnter(IPAddress? address)
    {
        string refusal;
        var firstRefusal = false;
        lock (_lock)
        {
            if (_open >= caps.MaxConnections)
            {
                refusal = "capacity";
            }
            else if (caps.MaxSocketsPerAddress is { } perAddress && address is not null)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_addresses, address, out _);
                if (entry.Open < perAddress)
                {
                    entry.Open++;
                    return Entered();
                }

                refusal = "address";
                firstRefusal = !entry.Refused;
                entry.Refused = true;
            }
            else
            {
                return Entered();
            }
        }

        metrics.ConnectionRefused(refusal);
        if (firstRefusal)
        {
            LogAddressAtCap(address!, caps.MaxSocketsPerAddress!.Value);
        }

        return false;
    }

    /// <summary>Counts an admitted connection; under the lock.</summary>
    private bool Entered()
    {
        // Kestrel refuses past its cap before this middleware runs, so the episode is logged on reaching it.
        if (++_open == caps.MaxConnections && !_atCapacity)
        {
            _atCapacity = true;
            LogAtCapacity(_open);
        }

        return true;
    }

    private void Leave(IPAddress? address)
    {
        lock (_lock)
        {
            _open--;
            if (address is not null)
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
        "At the connection cap ({MaxConnections}): new connections are closed until some end (Kestrel:Limits:MaxConcurrentConnections).")]
    private partial void LogAtCapacity(long maxConnections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Below the connection cap again: {OpenConnections} connections open.")]
    private partial void LogBelowCapacity(long openConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "{RemoteAddress} holds {MaxSocketsPerAddress} connections: its new ones are closed until some end (PushGateway:Limits:MaxSocketsPerAddress).")]
    private partial void LogAddressAtCap(IPAddress remoteAddress, int maxSocketsPerAddress);
}
