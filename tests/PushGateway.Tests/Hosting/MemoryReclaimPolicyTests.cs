using Microsoft.Extensions.Time.Testing;
using PushGateway.Hosting;

namespace PushGateway.Tests.Hosting;

public sealed class MemoryReclaimPolicyTests
{
    private static readonly MemoryReclaimOptions Options = new() { MinimumDrop = 1000, MinimumInterval = TimeSpan.FromSeconds(30) };

    private readonly FakeTimeProvider _time = new();

    private static bool Look(MemoryReclaimPolicy policy, long open) => policy.ShouldReclaim(open, open, out _);

    [Fact]
    public void ShouldReclaim_FloodClosedAndSettled_ReclaimsOnce()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(Look(policy, 18_000));
        // Still closing: 18,000 went since the last check; reclaiming now would leave the rest for later.
        Assert.False(Look(policy, 0));
        Assert.True(Look(policy, 0));
        Assert.False(Look(policy, 0));
    }

    [Fact]
    public void ShouldReclaim_BurstBetweenTwoChecks_ReclaimsAtTheNextCheck()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(Look(policy, 0));
        // 18,000 opened and closed again between two looks: only the highest count shows them.
        Assert.False(policy.ShouldReclaim(0, 18_000, out _));
        Assert.True(policy.ShouldReclaim(0, 0, out var peak));
        Assert.Equal(18_000, peak);
    }

    [Fact]
    public void ShouldReclaim_ClosingSlowly_ReclaimsOnceTheDropIsLargeEnough()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(Look(policy, 3000));
        Assert.False(Look(policy, 2500));
        Assert.False(Look(policy, 2000));
        Assert.True(Look(policy, 1500));
    }

    [Fact]
    public void ShouldReclaim_DropBelowMinimum_DoesNothing()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(Look(policy, 999));
        Assert.False(Look(policy, 0));
        Assert.False(Look(policy, 0));
    }

    [Fact]
    public void ShouldReclaim_LessThanHalfOfThePeakGone_DoesNothing()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);

        Assert.False(Look(policy, 10_000));
        Assert.False(Look(policy, 9_500));
        Assert.False(Look(policy, 9_000));
        Assert.False(Look(policy, 8_500));
        Assert.False(Look(policy, 8_000));
    }

    [Fact]
    public void ShouldReclaim_SecondFloodWithinMinimumInterval_WaitsForTheInterval()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);
        Look(policy, 5000);
        Look(policy, 0);
        Assert.True(Look(policy, 0));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(Look(policy, 5000));
        Assert.False(Look(policy, 0));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(Look(policy, 0));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(Look(policy, 0));
    }

    [Fact]
    public void ShouldReclaim_AfterAReclaim_CountsTheDropFromTheNewLevel()
    {
        var policy = new MemoryReclaimPolicy(Options, _time);
        foreach (var open in new[] { 4000, 3500, 3000, 2500 })
        {
            Assert.False(Look(policy, open));
        }

        Assert.True(Look(policy, 2000));
        _time.Advance(TimeSpan.FromMinutes(1));

        // 1,000 fewer than at the reclaim, not than the 4,000 before it.
        Assert.False(Look(policy, 1500));
        Assert.True(Look(policy, 1000));
    }
}
