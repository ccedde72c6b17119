using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace PushGateway.Abuse;

/// <summary>How a publisher must read each answer to <c>POST /publish</c> (or its absence), and the answers counted.</summary>
internal static class PublishAnswers
{
    /// <summary>The problem type of "outcome unknown" (README, <c>POST /publish</c>): told apart from a proxy's 504 by it alone.</summary>
    private const string OutcomeUnknownType = "https://pushgateway.dev/problems/publish-outcome-unknown";

    /// <summary>The answer a response stands for, and its status.</summary>
    public static async Task<(PublishAnswer Answer, int Status)> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return (PublishAnswer.Ok, status);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return IsOutcomeUnknown(body) ? (PublishAnswer.OutcomeUnknown, status)
            : status == 503 ? (PublishAnswer.NotStored, status)
            : (PublishAnswer.Other, status);
    }

    /// <summary>
    /// <see cref="PublishAnswer.Refused"/> (nothing was sent) or <see cref="PublishAnswer.NoAnswer"/> for a failed attempt; null when
    /// it was cut off by <paramref name="abandon"/> (the run ended) or is no network failure.
    /// </summary>
    public static PublishAnswer? Unanswered(Exception exception, CancellationToken abandon) => exception switch
    {
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => PublishAnswer.Refused,
        HttpRequestException or IOException => PublishAnswer.NoAnswer,
        OperationCanceledException when !abandon.IsCancellationRequested => PublishAnswer.NoAnswer,
        _ => null,
    };

    /// <summary>"HttpRequestException (ResponseEnded): innermost message", or the timeout.</summary>
    public static string Describe(Exception exception, TimeSpan attemptTimeout)
    {
        if (exception is OperationCanceledException)
        {
            return $"no answer within {attemptTimeout.TotalSeconds:0} s";
        }

        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        var kind = exception is HttpRequestException { HttpRequestError: var error } ? $" ({error})" : "";
        return $"{exception.GetType().Name}{kind}: {innermost.Message}";
    }

    /// <summary>Every attempt's answer, counted by kind (and status for <see cref="PublishAnswer.Other"/> and <see cref="PublishAnswer.OutcomeUnknown"/>).</summary>
    public static IReadOnlyDictionary<string, int> Count(IEnumerable<PublishRecord> records) => records
        .SelectMany(r => r.AttemptsSoFar)
        .GroupBy(a => a.Answer switch
        {
            null => "cut off at the end",
            PublishAnswer.Other => $"other {a.Status}",
            PublishAnswer.OutcomeUnknown => $"OutcomeUnknown ({a.Status})",
            PublishAnswer answer => answer.ToString(),
        })
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>A problem body whose <c>type</c> is exactly <see cref="OutcomeUnknownType"/> (whatever its status, which the answer counts show).</summary>
    private static bool IsOutcomeUnknown(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.ValueKind == JsonValueKind.Object
                && problem.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String
                && type.ValueEquals(OutcomeUnknownType);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
