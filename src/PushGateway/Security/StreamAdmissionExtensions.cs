namespace PushGateway.Security;

public static class StreamAdmissionExtensions
{
    /// <summary>Counts the endpoint's requests as long-lived streams (<see cref="StreamAdmission"/>): 503 past the cap.</summary>
    public static TBuilder RequireStreamAdmission<TBuilder>(this TBuilder builder, bool webSocket)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var admission = invocation.HttpContext.RequestServices.GetRequiredService<StreamAdmission>();
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
