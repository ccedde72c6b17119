namespace PushGateway.Tests.Infrastructure;

/// <summary>A frame as the server sent it: its first byte (FIN, reserved bits, opcode) and payload.</summary>
public sealed record ServerFrame(byte First, byte[] Payload)
{
    public int Opcode => First & 0x0F;
}
