using Microsoft.AspNetCore.Http;

namespace WarmKeeper.Lambda.Tests;

/// <summary>Lambda-shaped answers (status, request id, error type, Retry-After) for a <see cref="WarmKeeper.Testing.LoopbackServer"/> standing in for Lambda.</summary>
internal static class LambdaAnswers
{
    public static async Task Json(HttpContext context, int status, string json, string? errorType = null, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = "req-" + Guid.NewGuid().ToString("N");
        if (errorType is not null)
        {
            context.Response.Headers["x-amzn-ErrorType"] = errorType;
        }

        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        await context.Response.WriteAsync(json);
    }

    public static Task Error(HttpContext context, int status, string type, string message, string? reason = null, string? retryAfter = null) =>
        Json(
            context,
            status,
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string?> { ["Type"] = "User", ["message"] = message, ["Reason"] = reason }
                .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)),
            type,
            retryAfter);

    public const string AccountSettings =
        """{"AccountLimit":{"TotalCodeSize":80530636800,"CodeSizeUnzipped":262144000,"CodeSizeZipped":52428800,"ConcurrentExecutions":1000,"UnreservedConcurrentExecutions":900},"AccountUsage":{"TotalCodeSize":0,"FunctionCount":3}}""";
}
