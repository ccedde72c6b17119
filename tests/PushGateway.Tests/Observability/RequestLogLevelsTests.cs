using Microsoft.AspNetCore.Http;
using PushGateway.Observability;
using Serilog.Events;

namespace PushGateway.Tests.Observability;

public sealed class RequestLogLevelsTests
{
    [Theory]
    [InlineData("/publish", 200, LogEventLevel.Debug)]
    [InlineData("/ws", 101, LogEventLevel.Debug)]
    [InlineData("/publish", 429, LogEventLevel.Debug)]
    [InlineData("/publish", 400, LogEventLevel.Information)]
    [InlineData("/sse", 403, LogEventLevel.Information)]
    [InlineData("/publish", 503, LogEventLevel.Warning)]
    [InlineData("/publish", 504, LogEventLevel.Warning)]
    [InlineData("/readyz", 503, LogEventLevel.Debug)]
    [InlineData("/healthz", 200, LogEventLevel.Debug)]
    public void For_AnsweredRequest_ErrorNeverWithoutAnException(string path, int status, LogEventLevel expected)
    {
        var context = new DefaultHttpContext { Request = { Path = path }, Response = { StatusCode = status } };

        Assert.Equal(expected, RequestLogLevels.For(context, 1, exception: null));
    }

    [Fact]
    public void For_RequestThatThrew_IsError() =>
        Assert.Equal(LogEventLevel.Error, RequestLogLevels.For(new DefaultHttpContext(), 1, new InvalidOperationException("bug")));
}
