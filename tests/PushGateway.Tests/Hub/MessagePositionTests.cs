using PushGateway.Hub;

namespace PushGateway.Tests.Hub;

public sealed class MessagePositionTests
{
    [Fact]
    public void ToString_TryParse_RoundTrip()
    {
        var id = new MessagePosition(1795613990102, 42);

        Assert.Equal("1795613990102-42", id.ToString());
        Assert.True(MessagePosition.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("-42")]
    [InlineData("1-")]
    [InlineData("1-2-3")]
    [InlineData("1 -2")]
    [InlineData("+1-2")]
    [InlineData("a-b")]
    [InlineData("9223372036854775808-1")]
    [InlineData("1234567890123456789012345678901234567890-1")]
    public void TryParse_NotAnIdWeIssue_Fails(string text) => Assert.False(MessagePosition.TryParse(text, out _));
}
