using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using PushGateway.Hub;

namespace PushGateway.Observability;

internal static class StatsEndpoint
{
    /// <summary><c>GET /stats</c>: this node's totals.</summary>
    public static RouteHandlerBuilder MapStats(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/stats", GetStats).WithName("GetStats")
            .WithSummary("Connections by transport, subscriptions and messages published on this node");

    private static JsonHttpResult<StatsResponse> GetStats(IBroadcastHub hub, ConnectionTracker tracker) =>
        TypedResults.Json(new StatsResponse(tracker.ActiveByTransport(), hub.SubscriberCount, hub.PublishedCount), StatsJsonContext.Default.StatsResponse);
}

/// <summary><c>GET /stats</c>: this node's totals.</summary>
/// <param name="Connections">Open connections by transport (<c>ws</c>, <c>sse</c>).</param>
/// <param name="Subscribers">Open subscriptions (one per connection).</param>
/// <param name="Published">Messages published since start.</param>
internal sealed record StatsResponse(IReadOnlyDictionary<string, long> Connections, int Subscribers, long Published);

[JsonSerializable(typeof(StatsResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
