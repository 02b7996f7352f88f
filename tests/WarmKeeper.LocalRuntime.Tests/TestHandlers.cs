using System.Collections.Concurrent;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Tests;

/// <summary>
/// A stand-in for the process-function host: its handlers echo, or crash the way a dying process
/// does (EnvironmentCrashedException) when the event says {"crash":true}.
/// </summary>
internal sealed class CrashingHandlerFactory : IFunctionHandlerFactory
{
    public ConcurrentBag<string> Created { get; } = [];
    public ConcurrentBag<string> Disposed { get; } = [];

    public IFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId)
    {
        Created.Add(environmentId);
        return new Handler(this, environmentId);
    }

    private sealed class Handler(CrashingHandlerFactory owner, string environmentId) : IFunctionHandler
    {
        public Task InitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
        {
            if (System.Text.Encoding.UTF8.GetString(invocation.Payload.Span).Contains("\"crash\":true", StringComparison.Ordinal))
            {
                throw new EnvironmentCrashedException("Runtime.ExitError", "Runtime exited with error: exit status 1");
            }

            return Task.FromResult(new HandlerResult(invocation.Payload, null, "process says hi\n"));
        }

        public ValueTask DisposeAsync()
        {
            owner.Disposed.Add(environmentId);
            return ValueTask.CompletedTask;
        }
    }
}
