namespace PushGateway.Observability;

/// <summary>The <c>source</c> tag of <c>pushgateway.messages.published</c>: where this node accepted a message.</summary>
internal static class MessageSources
{
    public const string PublishApi = "publish_api";

    public const string WebSocket = "websocket";

    public const string Ticker = "ticker";
}
