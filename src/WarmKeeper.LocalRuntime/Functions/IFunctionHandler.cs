namespace WarmKeeper.LocalRuntime.Functions;

/// <summary>
/// The code running inside one execution environment. The environment manager creates one per
/// environment (cold start), calls <see cref="InitAsync"/> once, then <see cref="InvokeAsync"/> one
/// invocation at a time, and disposes it when the environment is reaped, retired, timed out or crashed.
/// </summary>
public interface IFunctionHandler : IAsyncDisposable
{
    /// <summary>The cold-start work: spawn the process and wait for its first <c>next</c>, or run built-in init.</summary>
    /// <exception cref="FunctionInitException">Init failed (the Runtime API's init/error, or the process died).</exception>
    Task InitAsync(CancellationToken cancellationToken);

    /// <summary>Runs one invocation. Cancellation means the invocation timed out: the environment is then discarded.</summary>
    /// <exception cref="EnvironmentCrashedException">The process exited or broke the protocol.</exception>
    Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken);

    /// <summary>
    /// False once the environment cannot take another invocation (its process exited, or its runtime
    /// was refused an answer and is on its way out): the manager then discards it instead of routing to it.
    /// </summary>
    bool CanBeReused => true;

    /// <summary>
    /// After an invocation that ended without an answer (timeout, crash): what the function wrote
    /// during it, and its peak memory, so the invocation's log keeps the lines written before the end.
    /// </summary>
    ValueTask<InterruptedInvocation> TakeInterruptedAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new InterruptedInvocation(string.Empty, null));
}

/// <summary>What the function is asked to do.</summary>
/// <param name="RequestId">The AWS request id (a GUID string).</param>
/// <param name="Payload">The event, as the caller sent it.</param>
/// <param name="InvokedFunctionArn">The ARN the caller invoked, with the qualifier where one was given.</param>
/// <param name="Deadline">When the invocation times out (Lambda-Runtime-Deadline-Ms).</param>
/// <param name="ClientContext">Base64 client context from X-Amz-Client-Context, if any.</param>
public sealed record HandlerInvocation(
    string RequestId,
    ReadOnlyMemory<byte> Payload,
    string InvokedFunctionArn,
    DateTimeOffset Deadline,
    string? ClientContext);

/// <summary>The function's answer.</summary>
/// <param name="Payload">The response body (JSON), or the error document when <paramref name="FunctionError"/> is set.</param>
/// <param name="FunctionError">null on success; "Unhandled" (or "Handled") when the function reported an error.</param>
/// <param name="Log">What the function wrote during this invocation (stdout/stderr lines), without START/END/REPORT.</param>
/// <param name="MaxMemoryUsedMb">The environment's measured peak memory, when it is measured (REPORT's Max Memory Used).</param>
public sealed record HandlerResult(ReadOnlyMemory<byte> Payload, string? FunctionError, string Log, int? MaxMemoryUsedMb = null);

/// <summary>What is left of an invocation that ended without an answer.</summary>
/// <param name="Log">The function's own lines written during it.</param>
/// <param name="MaxMemoryUsedMb">The environment's measured peak memory, when it is measured.</param>
public readonly record struct InterruptedInvocation(string Log, int? MaxMemoryUsedMb);

/// <summary>Creates the handler for a new execution environment of a function.</summary>
public interface IFunctionHandlerFactory
{
    /// <param name="functionName">The function's name.</param>
    /// <param name="function">The function's configuration.</param>
    /// <param name="environmentId">The new environment's id (stable for its life).</param>
    IFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId);

    /// <summary>
    /// Creates the handler knowing the environment's version, provisioning and the runtime's address;
    /// a factory that needs none of that is served by the three-argument overload.
    /// </summary>
    IFunctionHandler Create(FunctionEnvironmentSpec spec) => Create(spec.FunctionName, spec.Function, spec.EnvironmentId);
}

public sealed class FunctionInitException(string errorType, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string ErrorType { get; } = errorType;
}

public sealed class EnvironmentCrashedException(string errorType, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>Lambda's error type, e.g. <c>Runtime.ExitError</c>.</summary>
    public string ErrorType { get; } = errorType;
}
