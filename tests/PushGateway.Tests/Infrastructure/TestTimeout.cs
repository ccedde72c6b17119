namespace PushGateway.Tests.Infrastructure;

/// <summary>
/// An upper bound on how long a test waits for something that should happen: a broken gateway makes
/// the test fail after this long instead of hanging. Never used to wait for something to happen.
/// </summary>
public static class TestTimeout
{
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(20);

    public static CancellationToken Token()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(Default);
        return source.Token;
    }
}
