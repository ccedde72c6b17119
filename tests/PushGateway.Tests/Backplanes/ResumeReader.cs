using System.Net.ServerSentEvents;
using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Backplanes;

/// <summary>Reads what a resumed <c>/sse</c> stream replays, up to a live marker.</summary>
internal static class ResumeReader
{
    /// <summary>
    /// Publishes a live marker on <paramref name="topic"/> through <paramref name="publisher"/> and reads up to it:
    /// the gap event if there is one, then the ids replayed. The marker ends the replay, and proves the stream went live.
    /// </summary>
    public static async Task<(SseItem<string>? Gap, List<string> Replay)> ReadAsync(SseTestClient resumed, GatewayFactory publisher, string topic)
    {
        await publisher.Hub.PublishAsync(topic, "update", "live marker", TestTimeout.Token());
        SseItem<string>? gap = null;
        var replay = new List<string>();
        for (var item = await resumed.NextAsync(); item.Data != "live marker"; item = await resumed.NextAsync())
        {
            if (item.EventType == "gap")
            {
                Assert.Null(gap);
                Assert.Empty(replay);
                gap = item;
            }
            else
            {
                replay.Add(item.EventId!);
            }
        }

        return (gap, replay);
    }
}
