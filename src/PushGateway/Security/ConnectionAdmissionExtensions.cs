namespace PushGateway.Security;

internal static class ConnectionAdmissionExtensions
{
    /// <summary>
    /// Tells <see cref="ConnectionAdmission"/> when a request runs on a connection, so that only idle connections
    /// are closed to make room. First in the pipeline: a request counts from the moment its headers are in.
    /// </summary>
    public static IApplicationBuilder UseConnectionAdmission(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
            context.Features.Get<AdmittedConnection>() is { } connection ? connection.RunRequestAsync(context, next) : next(context));
}
