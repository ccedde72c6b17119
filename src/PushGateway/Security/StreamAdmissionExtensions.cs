using System.Net;
using PushGateway.Hosting;
using PushGateway.Transports.Handoff;

namespace PushGateway.Security;

internal static class StreamAdmissionExtensions
{
    /// <summary>
    /// Counts the endpoint's requests as long-lived streams (<see cref="StreamAdmission"/>): 503 past the node's cap
    /// and while the node drains (<see cref="GatewayDrain"/>), 429 past the address's.
    /// </summary>
    public static TBuilder RequireStreamAdmission<TBuilder>(this TBuilder builder, bool webSocket)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var services = context.RequestServices;
            if (services.GetRequiredService<GatewayDrain>().IsDraining)
            {
                return GatewayDrain.RefuseStream(context);
            }

            var admission = services.GetRequiredService<StreamAdmission>();
            var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
            var outcome = admission.TryEnter(webSocket, address);
            if (outcome != StreamAdmission.Outcome.Admitted)
            {
                return StreamAdmission.Refusal(context, outcome);
            }

            try
            {
                return await next(invocation).ConfigureAwait(false);
            }
            finally
            {
                ConnectionHandoff.ReleaseWhenEnded(context, () => admission.Leave(webSocket, address));
            }
        });
}
