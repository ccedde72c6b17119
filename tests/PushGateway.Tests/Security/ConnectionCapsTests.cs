using Microsoft.Extensions.Options;
using PushGateway.Security;

namespace PushGateway.Tests.Security;

public sealed class ConnectionCapsTests
{
    [Fact]
    public void ParseSoftLimit_ProcLimits_ReadsTheSoftOpenFilesLimit()
    {
        string[] lines =
        [
            "Limit                     Soft Limit           Hard Limit           Units     ",
            "Max processes             unlimited            unlimited            processes ",
            "Max open files            12000                20000                files     ",
        ];

        Assert.Equal(12000, OpenFiles.ParseSoftLimit(lines));
    }

    [Theory]
    [InlineData("Max open files            unlimited            unlimited            files     ")]
    [InlineData("Max processes             4096                 4096                 processes ")]
    public void ParseSoftLimit_UnlimitedOrAbsent_IsNull(string line) => Assert.Null(OpenFiles.ParseSoftLimit([line]));

    [Fact]
    public void MaxSocketsFor_KeepsTheDescriptorsInUseAndASpareBack()
    {
        Assert.Equal(20_000 - 300 - SocketBudget.DefaultSpareFileDescriptors, SocketBudget.MaxSocketsFor(20_000, 300, null));
        Assert.Equal(19_000, SocketBudget.MaxSocketsFor(20_000, 300, reservedFileDescriptors: 1_000));
    }

    [Fact]
    public void MaxSocketsFor_LimitWithoutRoom_FailsTheStart() =>
        Assert.Throws<OptionsValidationException>(() => SocketBudget.MaxSocketsFor(500, 300, null));

    [Theory]
    [InlineData(19_444, 19_056)] // 2 % kept for sockets on their way out
    [InlineData(1_000, 968)]     // at least 32
    public void DefaultMaxConnections_StaysBelowTheSockets(long maxSockets, long expected) =>
        Assert.Equal(expected, ConnectionCaps.DefaultMaxConnections(maxSockets));

    [Theory]
    [InlineData(19_000, null, 18_050)] // 5 %
    [InlineData(100, null, 84)]        // at least 16
    [InlineData(100, 10, 90)]
    public void StreamCap_KeepsReservedConnectionsForShortRequests(long maxConnections, int? reserved, long expected) =>
        Assert.Equal(expected, ConnectionCaps.StreamCap(maxConnections, reserved));
}
