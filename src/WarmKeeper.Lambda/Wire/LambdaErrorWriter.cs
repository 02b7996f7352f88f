using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace WarmKeeper.Lambda.Wire;

/// <summary>Answers with a Lambda error exactly as the service does: status, <c>x-amzn-ErrorType</c>, <c>Retry-After</c> and the JSON body.</summary>
public static class LambdaErrorWriter
{
    public static async Task WriteAsync(HttpContext ctx, LambdaApiError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(error);
        var response = ctx.Response;
        response.StatusCode = error.StatusCode;
        response.Headers[LambdaHeaders.ErrorType] = error.ErrorType;
        if (error.RetryAfterSeconds is int retryAfter)
        {
            response.Headers[LambdaHeaders.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, error.ToBody(), LambdaJsonContext.Default.LambdaErrorBody, cancellationToken);
    }
}
