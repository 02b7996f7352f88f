using Microsoft.Extensions.Logging;

namespace WarmKeeper.LocalRuntime.Functions.Process;

internal static partial class ProcessFunctionLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug,
        Message = "Function {FunctionName} environment {EnvironmentId}: process {ProcessId} started with AWS_LAMBDA_RUNTIME_API={RuntimeApi}")]
    public static partial void ProcessStarted(ILogger logger, string functionName, string environmentId, int processId, string runtimeApi);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
        Message = "Function {FunctionName} environment {EnvironmentId}: runtime ready after {InitMilliseconds:F1} ms")]
    public static partial void InitCompleted(ILogger logger, string functionName, string environmentId, double initMilliseconds);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "Function {FunctionName} environment {EnvironmentId}: init failed with {ErrorType}: {ErrorMessage}")]
    public static partial void InitFailed(ILogger logger, string functionName, string environmentId, string errorType, string errorMessage);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
        Message = "Function {FunctionName} environment {EnvironmentId}: process {ProcessId} exited ({ExitDescription})")]
    public static partial void ProcessExited(ILogger logger, string functionName, string environmentId, int processId, string exitDescription);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning,
        Message = "Function {FunctionName} environment {EnvironmentId}: Runtime API refused {Method} {Path}: {ErrorType}")]
    public static partial void RequestRefused(ILogger logger, string functionName, string environmentId, string method, string path, string errorType);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "[{Stream}] {Line}")]
    public static partial void FunctionOutput(ILogger logger, string stream, string line);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning,
        Message = "Function {FunctionName} environment {EnvironmentId}: could not kill process {ProcessId}")]
    public static partial void KillFailed(ILogger logger, string functionName, string environmentId, int processId, Exception exception);
}
