using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PushGateway.Benchmarks;

/// <summary>Marks a benchmark whose mean, divided by its <c>Subscribers</c> parameter, is worth a column.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PerSubscriberAttribute : Attribute;

/// <summary>Adds <see cref="PerSubscriberColumn"/> to the default configuration.</summary>
public sealed class PerSubscriberConfig : ManualConfig
{
    public PerSubscriberConfig() => AddColumn(StatisticColumn.Median, new PerSubscriberColumn());
}

/// <summary>
/// <c>ns/subscriber</c>: the median in nanoseconds divided by the <c>Subscribers</c> parameter. The
/// median, not the mean: on a shared machine, a neighbour's burst skews the mean of a short run.
/// </summary>
public sealed class PerSubscriberColumn : IColumn
{
    private const string ParameterName = "Subscribers";

    public string Id => nameof(PerSubscriberColumn);

    public string ColumnName => "ns/subscriber";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median in nanoseconds divided by the number of subscribers (fan-out benchmarks only)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null
            || !benchmarkCase.Descriptor.WorkloadMethod.IsDefined(typeof(PerSubscriberAttribute))
            || benchmarkCase.Parameters[ParameterName] is not int subscribers
            || subscribers <= 0)
        {
            return "-";
        }

        return (statistics.Median / subscribers).ToString("0.00", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
