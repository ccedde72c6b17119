namespace PushGateway.LoadGen;

/// <summary>
/// Strips HTTP/1.1 chunked framing in place, across reads. A chunk boundary may fall anywhere,
/// even inside an SSE frame, so the scanner must only see the de-chunked bytes.
/// </summary>
internal sealed class ChunkedDecoder
{
    private State _state = State.SizeLine;
    private long _size;
    private long _remaining;
    private bool _inExtension;

    private enum State
    {
        SizeLine,
        Data,
        DataEnd,
        Finished,
    }

    /// <summary>Decodes <c>buffer[start..end)</c> in place; returns the end of the decoded bytes.</summary>
    public int Decode(Span<byte> buffer, int start, int end)
    {
        var write = start;
        var read = start;
        while (read < end)
        {
            switch (_state)
            {
                case State.SizeLine:
                    var b = buffer[read++];
                    if (b == '\n')
                    {
                        (_state, _remaining, _size, _inExtension) = _size == 0 ? (State.Finished, 0, 0, false) : (State.Data, _size, 0, false);
                    }
                    else if (b == ';')
                    {
                        _inExtension = true;
                    }
                    else if (!_inExtension && b != '\r')
                    {
                        _size = (_size * 16) + HexValue(b);
                    }

                    break;
                case State.Data:
                    var take = (int)Math.Min(_remaining, end - read);
                    buffer.Slice(read, take).CopyTo(buffer[write..]);
                    (read, write, _remaining) = (read + take, write + take, _remaining - take);
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    break;
                case State.DataEnd:
                    if (buffer[read++] == '\n')
                    {
                        _state = State.SizeLine;
                    }

                    break;
                default:
                    return write;
            }
        }

        return write;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => throw new InvalidDataException($"Bad chunk size byte 0x{b:x2}."),
    };
}
