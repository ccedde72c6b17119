using Microsoft.Extensions.Time.Testing;
using PushGateway.Hosting;

namespace PushGateway.Tests.Hosting;

public sealed class MemoryReclaimPolicyTests
{
    private static readonly MemoryReclaimOptions Options = new() { MinimumDrop = 1000, MinimumInterval = TimeSpan.FromSeconds(30) };

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ShouldReclaim_FloodClosedAndSettled_ReclaimsOnce()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(policy.ShouldReclaim(18_000));
        // Still closing: 18,000 went since the last check; reclaiming now would leave the rest for later.
        Assert.False(policy.ShouldReclaim(0));
        Assert.True(policy.ShouldReclaim(0));
        Assert.False(policy.ShouldReclaim(0));
    }

    [Fact]
    public void ShouldReclaim_ClosingSlowly_ReclaimsOnceTheDropIsLargeEnough()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(policy.ShouldReclaim(3000));
        Assert.False(policy.ShouldReclaim(2500));
        Assert.False(policy.ShouldReclaim(2000));
        Assert.True(policy.ShouldReclaim(1500));
    }

    [Fact]
    public void ShouldReclaim_DropBelowMinimum_DoesNothing()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(policy.ShouldReclaim(999));
        Assert.False(policy.ShouldReclaim(0));
        Assert.False(policy.ShouldReclaim(0));
    }

    [Fact]
    public void ShouldReclaim_LessThanHalfOfThePeakGone_DoesNothing()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(policy.ShouldReclaim(10_000));
        Assert.False(policy.ShouldReclaim(9_500));
        Assert.False(policy.ShouldReclaim(9_000));
        Assert.False(policy.ShouldReclaim(8_500));
        Assert.False(policy.ShouldReclaim(8_000));
    }

    [Fact]
    public void ShouldReclaim_SecondFloodWithinMinimumInterval_WaitsForTheInterval()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);
        policy.ShouldReclaim(5000);
        policy.ShouldReclaim(0);
        Assert.True(policy.ShouldReclaim(0));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(policy.ShouldReclaim(5000));
        Assert.False(policy.ShouldReclaim(0));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(policy.ShouldReclaim(0));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(policy.ShouldReclaim(0));
    }

    [Fact]
    public void ShouldReclaim_AfterAReclaim_CountsTheDropFromTheNewLevel()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);
        foreach (var open in new[] { 4000, 3500, 3000, 2500 })
        {
            Assert.False(policy.ShouldReclaim(open));
        }

        Assert.True(policy.ShouldReclaim(2000));
        _time.Advance(TimeSpan.FromMinutes(1));

        // 1,000 fewer than at the reclaim, not than the 4,000 before it.
        Assert.False(policy.ShouldReclaim(1500));
        Assert.True(policy.ShouldReclaim(1000));
    }
}
