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
    public async Task Matches_HostilePattern_StaysPolynomial()
    {
        var pattern = string.Concat(Enumerable.Repeat("a*", 128)) + "b";
        var topic = new string('a', 256);

        // At most 128 × 256 steps here (microseconds); a matcher that backtracks into every star would take
        // on the order of C(256, 128) steps, and never finish. The bound is a hang detector, not a speed target.
        var matched = await Task.Run(() => TopicPattern.Matches(pattern, topic), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(matched);
    }
}
