namespace PushGateway.Abuse;

/// <summary>The attempts of one published message (index = attempt number), when each was sent and how it was answered.</summary>
internal sealed class PublishRecord(long sequence)
{
    private readonly List<PublishAttempt> _attempts = [];

    public long Sequence { get; } = sequence;

    public bool Acknowledged { get; private set; }

    public IReadOnlyList<PublishAttempt> AttemptsSoFar
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>Notes an attempt about to be sent; one at a time, each answered (<see cref="Answered"/>) before the next.</summary>
    public void Sending(long sentAt)
    {
        lock (_attempts)
        {
            _attempts.Add(new PublishAttempt(sentAt, null, 0));
        }
    }

    /// <summary>The answer to the attempt last sent.</summary>
    public void Answered(PublishAnswer answer, int status)
    {
        lock (_attempts)
        {
            _attempts[^1] = _attempts[^1] with { Answer = answer, Status = status };
            Acknowledged |= answer == PublishAnswer.Ok;
        }
    }
}
