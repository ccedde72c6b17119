using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace PushGateway.Benchmarks;

/// <summary>A metric exporter that drops what it is given: the benchmarks measure recording, not exporting.</summary>
internal sealed class DiscardingExporter : BaseExporter<Metric>
{
    public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
}
