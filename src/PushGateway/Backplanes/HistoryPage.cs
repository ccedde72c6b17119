using PushGateway.Hub;

namespace PushGateway.Backplanes;

/// <summary>Messages to replay, oldest first, and whether they are all that was missed.</summary>
internal sealed record HistoryPage(IReadOnlyList<GatewayMessage> Messages, ResumeStatus Status);
