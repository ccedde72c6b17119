namespace PushGateway.Transports.WebSockets;

/// <summary>What a <c>/ws</c> socket does with a complete text message, once its size and rate were checked.</summary>
internal interface IClientMessageHandler
{
    /// <summary>
    /// Handles <paramref name="text"/>; called by the receive loop, one message at a time. Whatever ends the socket is
    /// reported with <see cref="PushConnection.RequestClose"/>.
    /// </summary>
    Task HandleAsync(PushConnection connection, string text);
}
