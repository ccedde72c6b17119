using PushGateway.Hosting;

namespace PushGateway.Security;

internal static class StreamAdmissionExtensions
{
    /// <summary>
    /// Counts the endpoint's requests as long-lived streams (<see cref="StreamAdmission"/>): 503 past the cap, and
    /// while the node drains (<see cref="GatewayDrain"/>).
    /// </summary>
    public static TBuilder RequireStreamAdmission<TBuilder>(this TBuilder builder, bool webSocket)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var services = invocation.HttpContext.RequestServices;
            if (services.GetRequiredService<GatewayDrain>().IsDraining)
            {
                return GatewayDrain.RefuseStream(invocation.HttpContext);
            }

            var admission = services.GetRequiredService<StreamAdmission>();
            if (!admission.TryEnter(webSocket))
            {
                return StreamAdmission.Refusal(invocation.HttpContext);
            }

            try
            {
                return await next(invocation).ConfigureAwait(false);
            }
            finally
            {
                admission.Leave(webSocket);
            }
        });
}
