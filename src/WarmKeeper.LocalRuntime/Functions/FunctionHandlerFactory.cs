using WarmKeeper.LocalRuntime.Functions.BuiltIn;

namespace WarmKeeper.LocalRuntime.Functions;

/// <summary>
/// Creates the handler of a new environment: built-in kinds here, <see cref="LocalHandlerKind.Process"/>
/// through <paramref name="processFunctions"/> (the Runtime API host). Without one, a process
/// function fails its init with a clear error instead of the whole runtime refusing to start.
/// </summary>
public sealed class FunctionHandlerFactory(IFunctionHandlerFactory? processFunctions, TimeProvider? timeProvider = null)
    : IFunctionHandlerFactory
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public IFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId) =>
        Create(new FunctionEnvironmentSpec(functionName, function, environmentId));

    public IFunctionHandler Create(FunctionEnvironmentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Function.Handler != LocalHandlerKind.Process)
        {
            return new BuiltInFunctionHandler(spec.Function.Handler, spec.Function, spec.EnvironmentId, _time);
        }

        return processFunctions is null
            ? new UnavailableProcessHandler(spec.FunctionName)
            : processFunctions.Create(spec);
    }

    private sealed class UnavailableProcessHandler(string functionName) : IFunctionHandler
    {
        public Task InitAsync(CancellationToken cancellationToken) =>
            throw new FunctionInitException("Runtime.InitError",
                $"Function '{functionName}' is a Process function, but this runtime was started without a process-function host (IFunctionHandlerFactory for process functions).");

        public Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken) =>
            throw new EnvironmentCrashedException("Runtime.InitError", "The environment never initialized.");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
