using System.Globalization;

namespace WarmKeeper.LocalRuntime.Functions.Process;

public sealed partial class ProcessFunctionHandler
{
    private readonly record struct InvocationAnswer(byte[] Payload, string? FunctionError);

    /// <summary>An invocation handed to the runtime; answered exactly once (response, error, crash or timeout).</summary>
    private sealed class PendingInvocation(HandlerInvocation invocation)
    {
        private readonly TaskCompletionSource<InvocationAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HandlerInvocation Invocation { get; } = invocation;

        /// <summary>Log fences of stdout and stderr, set before the answer (all fences are bounded in time).</summary>
        public (Task Stdout, Task Stderr) LogFences { get; set; } = (Task.CompletedTask, Task.CompletedTask);

        public Task<InvocationAnswer> Answer => _answer.Task;

        public bool TryAnswer(InvocationAnswer answer) => _answer.TrySetResult(answer);

        public void TryFail(Exception exception) => _answer.TrySetException(exception);

        public void TryCancel(CancellationToken token) => _answer.TrySetCanceled(token);
    }

    private sealed record ProcessExit(string Description)
    {
        public static ProcessExit From(int exitCode)
        {
            // .NET reports death by signal N as 128+N on Unix; Lambda words it as Go's os/exec does.
            if (!OperatingSystem.IsWindows() && exitCode > 128 && exitCode < 128 + 32)
            {
                var signal = (exitCode - 128) switch
                {
                    9 => "killed",
                    15 => "terminated",
                    6 => "aborted",
                    11 => "segmentation fault",
                    2 => "interrupt",
                    var other => other.ToString(CultureInfo.InvariantCulture),
                };
                return new ProcessExit("signal: " + signal);
            }
            return new ProcessExit("exit status " + exitCode.ToString(CultureInfo.InvariantCulture));
        }
    }
}
