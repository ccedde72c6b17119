using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace PushGateway.Tests.Infrastructure;

public static class ProblemAssert
{
    /// <summary>Asserts a 400 validation problem that names <paramref name="field"/> in its errors.</summary>
    public static async Task IsInvalidAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(TestTimeout.Token());
        Assert.Contains(field, problem!.Errors.Keys);
    }

    /// <summary>Asserts an RFC 9457 problem response with this status (and title and type, when given).</summary>
    public static async Task IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? title = null, string? type = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(TestTimeout.Token());
        Assert.Equal((int)status, problem?.Status);
        if (title is not null)
        {
            Assert.Equal(title, problem?.Title);
        }

        if (type is not null)
        {
            Assert.Equal(type, problem?.Type);
        }
    }
}
