namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// Polls for a state that no event announces (a Redis client's reconnect, a presence report on its
/// timer), a short step at a time, failing after <see cref="TestTimeout.Default"/>.
/// </summary>
public static class Eventually
{
    public static async Task ReachAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeout.Default;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"never reached: {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
