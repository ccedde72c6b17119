namespace PushGateway.Abuse;

/// <summary>The attempts of one published message (index = attempt number) and their answers.</summary>
internal sealed class PublishRecord(long sequence)
{
    private readonly List<(PublishAnswer Answer, int Status)> _attempts = [];

    public long Sequence { get; } = sequence;

    public bool Acknowledged { get; private set; }

    public IReadOnlyList<(PublishAnswer Answer, int Status)> AttemptsSoFar
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    public void Add(PublishAnswer answer, int status)
    {
        lock (_attempts)
        {
            _attempts.Add((answer, status));
            Acknowledged |= answer == PublishAnswer.Ok;
        }
    }
}
