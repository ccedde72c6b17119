namespace PushGateway.Abuse;

/// <summary>What a gateway's log says went wrong.</summary>
internal sealed class LogCounts
{
    public int ErrorLines { get; set; }

    public string? FirstError { get; set; }

    public int Responded500 { get; set; }

    public bool OutOfMemory { get; set; }

    public override string ToString() =>
        $"{ErrorLines} Error lines, {Responded500} responses 500{(OutOfMemory ? ", 'Out of memory.'" : "")}";
}
