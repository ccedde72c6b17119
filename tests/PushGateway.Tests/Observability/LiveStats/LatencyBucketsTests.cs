using PushGateway.Observability.LiveStats;

namespace PushGateway.Tests.Observability.LiveStats;

public sealed class LatencyBucketsTests
{
    [Theory]
    [InlineData(0.000_002)]
    [InlineData(0.000_25)]
    [InlineData(0.003)]
    [InlineData(0.5)]
    [InlineData(7)]
    public void UpperBound_OfAValuesBucket_IsAboveItByAtMostAnEighth(double seconds)
    {
        var bound = LatencyBuckets.UpperBound(LatencyBuckets.IndexOf(seconds));

        Assert.InRange(bound, seconds, seconds * 1.125);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e9)]
    public void IndexOf_OutOfRangeValues_StayInTheBuckets(double seconds) =>
        Assert.InRange(LatencyBuckets.IndexOf(seconds), 0, LatencyBuckets.Count - 1);

    [Fact]
    public void Drain_TakesTheCountsAndStartsAgain()
    {
        var buckets = new LatencyBuckets();
        buckets.Record(0.001);
        buckets.Record(0.001);
        buckets.Record(0.2);
        var counts = new long[LatencyBuckets.Count];

        buckets.Drain(counts);
        var p50 = LatencyBuckets.Percentile(counts, 3, 0.5);
        var p99 = LatencyBuckets.Percentile(counts, 3, 0.99);
        buckets.Drain(counts);

        Assert.InRange(p50!.Value, 0.001, 0.001 * 1.125);
        Assert.InRange(p99!.Value, 0.2, 0.2 * 1.125);
        Assert.All(counts, count => Assert.Equal(0, count));
        Assert.Null(LatencyBuckets.Percentile(counts, 0, 0.5));
    }
}
