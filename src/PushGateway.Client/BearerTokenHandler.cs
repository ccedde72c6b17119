using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace PushGateway.Client;

/// <summary>Puts the current token on every attempt, so that a retry after a refresh carries the new one.</summary>
internal sealed class BearerTokenHandler(IOptions<PushGatewayClientOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.AccessToken is { } source && await source(cancellationToken).ConfigureAwait(false) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
