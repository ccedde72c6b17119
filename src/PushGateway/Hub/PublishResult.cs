namespace PushGateway.Hub;

/// <summary>A publish's answer from the backplane, whichever backplane it is.</summary>
/// <param name="Position">Where the message is: this publish's, or for a replay (and a reused key) the first publish's.</param>
/// <param name="Outcome">New, replayed, or refused because the key stands for another request.</param>
internal readonly record struct PublishResult(MessagePosition Position, PublishOutcome Outcome);
