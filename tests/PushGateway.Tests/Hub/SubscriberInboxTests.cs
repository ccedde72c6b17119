using PushGateway.Hub;
using PushGateway.Tests.Infrastructure;

namespace PushGateway.Tests.Hub;

public sealed class SubscriberInboxTests
{
    [Fact]
    public void TryWrite_KeepsOrderAcrossGrowthAndWrapAround_AndRefusesWhenFull()
    {
        var inbox = new SubscriberInbox(capacity: 6);
        var next = 0;
        var read = new List<int>();
        // Interleaved writes and reads move the ring's head around while it grows from 0 to 6 slots.
        foreach (var (writes, reads) in new[] { (3, 2), (4, 3), (4, 5), (5, 4), (2, 4) })
        {
            for (var i = 0; i < writes; i++)
            {
                Assert.True(inbox.TryWrite(Message(next++)));
            }

            for (var i = 0; i < reads; i++)
            {
                Assert.True(inbox.TryRead(out var message));
                read.Add(int.Parse(message.Data, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(Enumerable.Range(0, read.Count), read);
        Assert.False(inbox.TryRead(out _));
        for (var i = 0; i < 6; i++)
        {
            Assert.True(inbox.TryWrite(Message(i)));
        }

        Assert.False(inbox.TryWrite(Message(6)));
    }

    [Fact]
    public async Task WaitAsync_ParkedReader_IsWokenByAWrite_OffTheWritersThread()
    {
        var inbox = new SubscriberInbox(capacity: 4);
        var writerGate = new Lock();
        var wait = inbox.WaitAsync().AsTask();
        Assert.False(wait.IsCompleted);
        var continuedInsideWrite = wait.ContinueWith(_ => writerGate.IsHeldByCurrentThread, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        lock (writerGate)
        {
            // The hub writes under its lock: the reader's loop must not run there.
            Assert.True(inbox.TryWrite(Message(1)));
        }

        Assert.False(await continuedInsideWrite.WaitAsync(TestTimeout.Token()));
        Assert.True(inbox.TryRead(out var message));
        Assert.Equal("1", message.Data);
    }

    [Fact]
    public async Task Wake_BeforeOrDuringAWait_EndsIt_Once()
    {
        var inbox = new SubscriberInbox(capacity: 4);
        inbox.Wake();
        Assert.True(EndsAtOnce(inbox.WaitAsync()));
        var parked = inbox.WaitAsync().AsTask();
        Assert.False(parked.IsCompleted);

        inbox.Wake();

        await parked.WaitAsync(TestTimeout.Token());
        Assert.False(EndsAtOnce(inbox.WaitAsync()));
        Assert.False(inbox.TryRead(out _));
    }

    [Fact]
    public async Task Complete_WakesTheReader_RefusesWrites_AndKeepsWhatWasQueued()
    {
        var inbox = new SubscriberInbox(capacity: 4);
        Assert.True(inbox.TryWrite(Message(1)));
        Assert.True(inbox.TryRead(out _));
        Assert.True(inbox.TryWrite(Message(2)));
        var drained = inbox.TryRead(out _);
        var parked = inbox.WaitAsync().AsTask();
        Assert.True(drained);
        Assert.False(parked.IsCompleted);

        Assert.True(inbox.TryWrite(Message(3)));
        await parked.WaitAsync(TestTimeout.Token());
        inbox.Complete();

        Assert.True(inbox.IsCompleted);
        Assert.False(inbox.TryWrite(Message(4)));
        Assert.True(inbox.TryRead(out var kept));
        Assert.Equal("3", kept.Data);
        Assert.True(EndsAtOnce(inbox.WaitAsync()));
    }

    /// <summary>Whether a wait was over when it was returned; one that is over is consumed.</summary>
    private static bool EndsAtOnce(ValueTask wait)
    {
        if (!wait.IsCompleted)
        {
            return false;
        }

        wait.GetAwaiter().GetResult();
        return true;
    }

    private static GatewayMessage Message(int n) =>
        GatewayMessage.Create(position: null, new MessageDraft([BuiltInTopics.Chat], EventTypes.Chat, n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
