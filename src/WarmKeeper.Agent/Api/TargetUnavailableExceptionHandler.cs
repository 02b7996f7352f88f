using Microsoft.AspNetCore.Diagnostics;
using Polly.CircuitBreaker;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Api;

/// <summary>
/// A target that fails or cannot be reached is not the API's fault: answer 503 with what happened
/// and when to retry, instead of a bare 500.
/// </summary>
internal sealed partial class TargetUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<TargetUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (retryAfter, detail) = exception switch
        {
            BrokenCircuitException e => (e.RetryAfter ?? TimeSpan.FromSeconds(15), "The target failed repeatedly; calls to it are paused (circuit open)."),
            TimeoutException => (TimeSpan.FromSeconds(5), "The target did not answer in time."),
            HttpRequestException => (TimeSpan.FromSeconds(5), "The target could not be reached."),
            LambdaServiceException { IsTransient: true } e => (e.RetryAfter ?? TimeSpan.FromSeconds(5), $"The target failed: {e.ErrorType}: {e.Message}"),
            _ => (TimeSpan.Zero, null),
        };
        if (detail is null)
        {
            return false;
        }

        LogUnavailable(exception, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "A Lambda target is unavailable.", Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target unavailable while serving {Path}")]
    private partial void LogUnavailable(Exception exception, string path);
}
