using PushGateway.Transports.WebSockets.Compression;

namespace PushGateway.Transports.WebSockets;

/// <summary>
/// Follows the frames a client sends, byte by byte as they arrive (a header may be split across
/// reads; payloads are skipped, not looked at), and checks every header against RFC 6455 §5.
/// The runtime's <c>ManagedWebSocket</c> checks headers too, but only once it holds the whole
/// header including the 4 mask bytes: an unmasked frame shorter than that (a bare close, a ping, a
/// short first fragment) leaves it waiting for bytes that never come. Here a header fails at the
/// byte that breaks it, so every bad frame gets its 1002 at once, with a reason. A compressed message's
/// payload is inflated on its way (<see cref="CompressedMessageCheck"/>): bad deflate data gets its 1002 too.
/// </summary>
/// <param name="inflateLimit">
/// Null unless permessage-deflate was agreed. Then RSV1 may mark a message's first frame as compressed (RFC 7692 §6),
/// and nowhere else, and a compressed message may inflate to this many bytes at most.
/// </param>
internal struct ClientFrameValidator(int? inflateLimit)
{
    private const int MaxControlPayload = 125;

    /// <summary>Payload bytes of the current frame still to come.</summary>
    private ulong _payloadLeft;

    /// <summary>Header bytes seen of the frame being read; 0 between headers.</summary>
    private int _headerRead;

    /// <summary>The whole header's length, once its second byte says it.</summary>
    private int _headerLength;

    private byte _first;
    private byte _second;
    private ulong _length;

    /// <summary>A text or binary message has begun and not yet ended (its frames so far had no FIN).</summary>
    private bool _inMessage;

    /// <summary>A length the frame's own header cannot give: the rest of the stream cannot be framed.</summary>
    private bool _lost;

    /// <summary>The current frame's masking key, big-endian, and how many of its payload bytes have passed.</summary>
    private uint _mask;
    private int _payloadRead;

    /// <summary>The message in progress is compressed (its first frame had RSV1), and is being checked by this.</summary>
    private bool _compressedMessage;
    private CompressedMessageCheck? _check;

    /// <summary>The first way the client broke the protocol, or null.</summary>
    public string? Violation { get; private set; }

    /// <summary>The violation is a compressed message that inflates past the limit: too big rather than malformed.</summary>
    public bool InflatedTooBig { get; private set; }

    /// <summary>The client has begun a close frame.</summary>
    public bool CloseSeen { get; private set; }

    /// <summary>
    /// Follows <paramref name="bytes"/>, the next ones the client sent; returns how many of them come
    /// before the frame that first broke the protocol (all of them while none has; 0 once one has).
    /// </summary>
    public int Advance(ReadOnlySpan<byte> bytes)
    {
        var clean = Violation is null ? bytes.Length : 0;
        // Where the current frame began in these bytes; 0 when it began in an earlier read.
        var frameStart = 0;
        var at = 0;
        while (at < bytes.Length && !_lost)
        {
            if (_headerRead == 0 && _payloadLeft > 0)
            {
                var skipped = (int)Math.Min(_payloadLeft, (ulong)(bytes.Length - at));
                // A control frame inside a fragmented compressed message is not part of its deflate data. Read once:
                // disposing the stream releases the check, maybe meanwhile (a failed check is all that comes of it).
                var check = _check;
                var intact = !IsData || check is null || check.TryAdd(bytes.Slice(at, skipped), _mask, _payloadRead);
                _payloadLeft -= (ulong)skipped;
                _payloadRead += skipped;
                at += skipped;
                if (!(intact && (_payloadLeft > 0 || EndFrame())))
                {
                    FailCompressed(frameStart, ref clean);
                }

                continue;
            }

            _headerRead++;
            if (_headerRead == 1)
            {
                frameStart = at;
            }

            if (ReadHeaderByte(bytes[at]) is { } violation)
            {
                // The bad frame's header may have begun in an earlier read; what came before it is fine.
                Fail(violation, frameStart, ref clean);
            }

            if (_headerRead == _headerLength)
            {
                _payloadLeft = _length;
                _payloadRead = 0;
                _headerRead = 0;
                if (IsData && _compressedMessage && Violation is null)
                {
                    _check ??= new CompressedMessageCheck(inflateLimit!.Value);
                }

                if (_payloadLeft == 0 && !EndFrame())
                {
                    FailCompressed(frameStart, ref clean);
                }
            }

            at++;
        }

        return clean;
    }

    /// <summary>Lets go of the inflater of a compressed message cut short (the connection ended).</summary>
    public void Release()
    {
        _check?.Dispose();
        _check = null;
    }

    private readonly bool IsData => (_first & 0x0F) is 0x0 or 0x1 or 0x2;

    /// <summary>The current frame has passed whole; at the end of a compressed message, whether it was valid deflate data.</summary>
    private bool EndFrame()
    {
        if (!IsData || (_first & 0x80) == 0 || _check is not { } check)
        {
            return true;
        }

        // Released once the message passed; a failed one is released by the failure, which asks the check why.
        var intact = check.TryEnd();
        if (intact)
        {
            Release();
        }

        return intact;
    }

    private void FailCompressed(int frameStart, ref int clean)
    {
        InflatedTooBig = _check?.TooBig ?? false;
        Fail(InflatedTooBig ? $"compressed message inflates past {inflateLimit} bytes" : "invalid compressed data", frameStart, ref clean);
    }

    private void Fail(string violation, int frameStart, ref int clean)
    {
        if (Violation is null)
        {
            Violation = violation;
            clean = frameStart;
            Release();
        }
    }

    private string? ReadHeaderByte(byte value)
    {
        switch (_headerRead)
        {
            case 1:
                _first = value;
                _headerLength = 0;
                return CheckFirstByte();
            case 2:
                _second = value;
                var length7 = value & 0x7F;
                _length = length7 < 126 ? (ulong)length7 : 0;
                _headerLength = 2 + (length7 switch { 126 => 2, 127 => 8, _ => 0 }) + ((value & 0x80) != 0 ? 4 : 0);
                return CheckSecondByte(length7);
            default:
                var lengthBytes = (_second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 };
                if (_headerRead > 2 + lengthBytes)
                {
                    _mask = (_mask << 8) | value;
                    return null;
                }

                if (_headerRead == 3 && lengthBytes == 8 && value >= 0x80)
                {
                    _lost = true;
                    return "payload length over 2^63";
                }

                _length = (_length << 8) | value;
                return null;
        }
    }

    private string? CheckFirstByte()
    {
        var compressed = (_first & 0x40) != 0;
        if ((_first & (inflateLimit is null ? 0x70 : 0x30)) != 0)
        {
            return "reserved bits set";
        }

        var final = (_first & 0x80) != 0;
        switch (_first & 0x0F)
        {
            case 0x0 when compressed:
                return "RSV1 on a continuation frame";
            case 0x8 or 0x9 or 0xA when compressed:
                return "RSV1 on a control frame";
            case 0x0:
                if (!_inMessage)
                {
                    return "continuation frame without a message to continue";
                }

                _inMessage = !final;
                return null;
            case 0x1 or 0x2:
                if (_inMessage)
                {
                    return "new message before the fragmented one ended";
                }

                _inMessage = !final;
                _compressedMessage = compressed;
                return null;
            case 0x8 or 0x9 or 0xA:
                CloseSeen |= (_first & 0x0F) == 0x8;
                return final ? null : "fragmented control frame";
            default:
                return $"reserved opcode 0x{_first & 0x0F:X}";
        }
    }

    private readonly string? CheckSecondByte(int length7)
    {
        if ((_second & 0x80) == 0)
        {
            return "unmasked frame";
        }

        var control = (_first & 0x08) != 0;
        if (control && length7 > MaxControlPayload)
        {
            return "control frame longer than 125 bytes";
        }

        return (_first & 0x0F) == 0x8 && length7 == 1 ? "close frame with a 1-byte payload" : null;
    }
}
