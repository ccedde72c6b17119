using PushGateway.Security;

namespace PushGateway.Tests.Security;

public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("orders/1", "orders/1", true)]
    [InlineData("orders/1", "orders/12", false)]
    [InlineData("orders/*", "orders/12", true)]
    [InlineData("orders/*", "orders/", true)]
    [InlineData("orders/*", "order", false)]
    [InlineData("*", "anything:at/all", true)]
    [InlineData("*/status", "a/b/status", true)]
    [InlineData("*/status", "a/b/status2", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    public void Matches_Wildcards(string pattern, string topic, bool expected) =>
        Assert.Equal(expected, TopicPattern.Matches(pattern, topic));

    [Fact]
    public void Matches_HostilePattern_StaysLinear()
    {
        var pattern = string.Concat(Enumerable.Repeat("a*", 128)) + "b";
        var topic = new string('a', 256);

        Assert.False(TopicPattern.Matches(pattern, topic));
    }
}
