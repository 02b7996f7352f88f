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

/// <summary>
/// Handlers that hold every invocation until the test opens the gate, so "concurrent" calls overlap
/// for certain however slow the machine is. Used as the process-function host of "gated" functions.
/// </summary>
internal sealed class GatedHandlerFactory : IFunctionHandlerFactory
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static LocalFunctionOptions Function() => new()
    {
        Handler = LocalHandlerKind.Process,
        Command = "gate",
        Timeout = TimeSpan.FromSeconds(60),
        Versions = ["1"],
        Aliases = new(StringComparer.Ordinal) { ["live"] = "1" },
    };

    public void Open() => _gate.TrySetResult();

    public IFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId) => new Handler(this, environmentId);

    private sealed class Handler(GatedHandlerFactory owner, string environmentId) : IFunctionHandler
    {
        public Task InitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
        {
            await owner._gate.Task.WaitAsync(cancellationToken);
            return new HandlerResult(System.Text.Encoding.UTF8.GetBytes("{\"environmentId\":\"" + environmentId + "\"}"), null, "gate opened\n");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
