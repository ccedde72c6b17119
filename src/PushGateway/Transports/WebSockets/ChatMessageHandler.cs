using PushGateway.Backplanes;
using PushGateway.Hub;
using PushGateway.Observability;

namespace PushGateway.Transports.WebSockets;

/// <summary>Plain <c>/ws</c>: a message is a token refresh (<c>{"type":"auth"}</c>) or chat, published as it is into the socket's room.</summary>
internal sealed class ChatMessageHandler(string room, WebSocketAccess access, IBroadcastHub hub, GatewayMetrics metrics) : IClientMessageHandler
{
    /// <summary>A token refresh, or chat for the room.</summary>
    public async Task HandleAsync(PushConnection connection, string text)
    {
        if (access.ReadTokenRefresh(text) is { } token)
        {
            if (await access.RefreshAsync(token).ConfigureAwait(false))
            {
                connection.RenewTokenExpiry(access.Expires);
            }
            else
            {
                connection.RequestClose(ConnectionCloseReason.InvalidToken);
            }
        }
        else if (!access.CanSend)
        {
            connection.RequestClose(ConnectionCloseReason.NotAllowedToSend);
        }
        else
        {
            try
            {
                await hub.PublishAsync(room, EventTypes.Chat, text).ConfigureAwait(false);
                metrics.MessagePublished(MessageSources.WebSocket);
            }
            catch (BackplaneUnavailableException)
            {
                // Not stored, so not sent: say so rather than drop it silently.
                connection.RequestClose(ConnectionCloseReason.BackplaneUnavailable);
            }
            catch (PublishOutcomeUnknownException)
            {
                // Perhaps stored and sent: say that, so that the client does not send it again blindly.
                connection.RequestClose(ConnectionCloseReason.PublishOutcomeUnknown);
            }
        }
    }
}
