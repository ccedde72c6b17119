using PushGateway.Hub;

namespace PushGateway.Tests.Hub;

public sealed class EventIdRulesTests
{
    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    [InlineData("a\u001fb")]
    [InlineData("a\u007fb")]
    [InlineData("a\u0080b")]
    [InlineData("a\u0085b")]
    [InlineData("a\u009fb")]
    public void IsValidLastEventId_ControlCharacter_IsRejected(string id) => Assert.False(EventIdRules.IsValidLastEventId(id));

    [Theory]
    [InlineData("order-17")]
    [InlineData("a b")]
    [InlineData("\u00a0é✓")]
    public void IsValidLastEventId_PrintableText_IsAccepted(string id) => Assert.True(EventIdRules.IsValidLastEventId(id));
}
