using System.ComponentModel.DataAnnotations;

namespace PushGateway.Observability;

/// <summary>The metrics endpoint; bound from <c>PushGateway:Metrics</c>.</summary>
internal sealed class MetricsOptions
{
    public const string Section = "PushGateway:Metrics";

    /// <summary>
    /// Who may read <c>/metrics</c> (and the other operator endpoints that use
    /// <see cref="MetricsAccessExtensions.RequireMetricsAccess{TBuilder}"/>). Default <see cref="MetricsAccess.Admin"/>.
    /// </summary>
    [EnumDataType(typeof(MetricsAccess))]
    public MetricsAccess Access { get; set; } = MetricsAccess.Admin;
}

internal enum MetricsAccess
{
    /// <summary>
    /// A token whose <c>pushgateway</c> claim has <c>"admin": true</c>, when authorization is on; anyone
    /// when it is off (as every endpoint then).
    /// </summary>
    Admin,

    /// <summary>Anyone, also when authorization is on (a scraper on a private network, no token to hand out).</summary>
    Open,
}
