using Microsoft.AspNetCore.Http;
using PushGateway.Observability;
using Serilog.Events;

namespace PushGateway.Tests.Observability;

public sealed class RequestLogLevelsTests
{
    [Theory]
    [InlineData(200, LogEventLevel.Information)]
    [InlineData(429, LogEventLevel.Information)]
    [InlineData(503, LogEventLevel.Warning)]
    [InlineData(504, LogEventLevel.Warning)]
    public void For_AnsweredRequest_ErrorNeverWithoutAnException(int status, LogEventLevel expected)
    {
        var context = new DefaultHttpContext { Response = { StatusCode = status } };

        Assert.Equal(expected, RequestLogLevels.For(context, 1, exception: null));
    }

    [Fact]
    public void For_RequestThatThrew_IsError() =>
        Assert.Equal(LogEventLevel.Error, RequestLogLevels.For(new DefaultHttpContext(), 1, new InvalidOperationException("bug")));
}
