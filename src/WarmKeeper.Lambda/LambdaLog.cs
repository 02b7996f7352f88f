using Microsoft.Extensions.Logging;

namespace WarmKeeper.Lambda;

internal static partial class LambdaLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Lambda target {Target}: retrying {Operation} (attempt {Attempt}) in {Delay} after {Failure}")]
    public static partial void RetryingRequest(ILogger logger, string target, string? operation, int attempt, TimeSpan delay, string failure);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "Lambda target {Target}: circuit opened for {BreakDuration} after {Failure}")]
    public static partial void CircuitOpened(ILogger logger, string target, TimeSpan breakDuration, string failure);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Lambda target {Target}: circuit closed")]
    public static partial void CircuitClosed(ILogger logger, string target);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug,
        Message = "Lambda target {Target}: {Operation} failed with {StatusCode} {ErrorType} (request {RequestId})")]
    public static partial void ServiceError(ILogger logger, string target, string operation, int statusCode, string errorType, string? requestId);
}
