using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WarmKeeper.Lambda.Wire;
using OsProcess = System.Diagnostics.Process;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// One execution environment of a function that is an executable speaking the AWS Lambda Runtime API:
/// an OS process plus its own Runtime API listener. Init is done when the process first asks for
/// <c>next</c>; each invocation is handed to that waiting <c>next</c> and answered by the process's
/// <c>response</c> or <c>error</c> post.
/// </summary>
public sealed partial class ProcessFunctionHandler : IFunctionHandler
{
    /// <summary>Lambda's limit for a synchronous response (6 MB as Lambda counts it).</summary>
    public const int MaxResponseBytes = 6_291_556;

    private readonly ProcessEnvironmentSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly FunctionLogBuffer _log = new();
    private readonly TaskCompletionSource _initDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<PendingInvocation> _mailbox = Channel.CreateBounded<PendingInvocation>(
        new BoundedChannelOptions(1) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private RuntimeApiListener? _listener;
    private OsProcess? _process;
    private FunctionOutputCapture? _stdout;
    private FunctionOutputCapture? _stderr;
    private PendingInvocation? _current;
    private ProcessExit? _exit;
    private long _initStartTimestamp;
    private int _initStarted;
    private int _disposed;

    // Set when the runtime was refused an answer (413): the Node and Python clients exit on it, so the
    // environment is not handed another invocation in the moment before the exit is seen.
    private int _answerRefused;
    private int _lastPeakMemoryMb; // 0 until measured

    internal ProcessFunctionHandler(ProcessEnvironmentSettings settings, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _settings = settings;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<ProcessFunctionHandler>();
    }

    /// <summary>The environment's id, also reported to the process in its log stream name.</summary>
    public string EnvironmentId => _settings.EnvironmentId;

    /// <summary>The OS process id once started.</summary>
    public int? ProcessId { get; private set; }

    /// <summary>The value given to the process as AWS_LAMBDA_RUNTIME_API (host:port), once listening.</summary>
    public string? RuntimeApiAddress => _listener?.HostAndPort;

    /// <summary>
    /// The process has exited (crashed, was killed, or ended on its own while idle). The next
    /// <see cref="InvokeAsync"/> would fail with <see cref="EnvironmentCrashedException"/>, so a
    /// caller can check this before reusing an idle environment and start a fresh one instead.
    /// </summary>
    public bool HasExited => Volatile.Read(ref _exit) is not null;

    /// <inheritdoc />
    /// <remarks>
    /// Asks the OS as well: the Exited event comes a moment after the process is gone, and in that
    /// moment an idle environment would otherwise be handed an invocation it can only fail.
    /// </remarks>
    public bool CanBeReused => !HasExited && Volatile.Read(ref _answerRefused) == 0 && !ProcessIsGone();

    private bool ProcessIsGone()
    {
        try
        {
            return _process is { HasExited: true } || (ProcessId is int pid && !ProcessLiveness.IsRunning(pid));
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile: gone for our purposes.
            return true;
        }
    }

    /// <summary>Whether log capture fences are exact (Linux) rather than waiting for the output to go quiet.</summary>
    internal bool HasExactLogFence => _stdout is { HasExactFence: true } && _stderr is { HasExactFence: true };

    /// <summary>From starting the listener and spawning the process to its first <c>next</c>, once init is done.</summary>
    public TimeSpan? InitDuration { get; private set; }

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _initStarted, 1) != 0)
        {
            throw new InvalidOperationException("InitAsync runs once per execution environment.");
        }
        if (string.IsNullOrWhiteSpace(_settings.Function.Command))
        {
            throw new FunctionInitException("Runtime.InvalidEntrypoint",
                $"Functions:{_settings.FunctionName}:Command is required for a Process function: set it to the executable that speaks the Runtime API.");
        }

        _initStartTimestamp = _timeProvider.GetTimestamp();
        _listener = await RuntimeApiListener.StartAsync(HandleRuntimeApiAsync, _loggerFactory, cancellationToken);

        var process = new OsProcess { StartInfo = BuildStartInfo(_listener.HostAndPort), EnableRaisingEvents = true };
        process.Exited += OnProcessExited;
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or FileNotFoundException)
        {
            process.Dispose();
            throw new FunctionInitException("Runtime.InvalidEntrypoint",
                $"Functions:{_settings.FunctionName}:Command '{_settings.Function.Command}' could not be started: {ex.Message}", ex);
        }
        _process = process;
        ProcessId = process.Id;
        process.StandardInput.Close();
        _stdout = new FunctionOutputCapture(process.StandardOutput.BaseStream, "stdout", _log, _logger, _timeProvider);
        _stderr = new FunctionOutputCapture(process.StandardError.BaseStream, "stderr", _log, _logger, _timeProvider);
        _stdout.TryEnableExactFence();
        _stderr.TryEnableExactFence();
        if (Volatile.Read(ref _exit) is not null)
        {
            // Exited before the fences were opened: release the readers.
            _stdout.CloseFenceWriter();
            _stderr.CloseFenceWriter();
        }
        ProcessFunctionLog.ProcessStarted(_logger, _settings.FunctionName, EnvironmentId, process.Id, _listener.HostAndPort);

        try
        {
            await _initDone.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        catch (FunctionInitException ex)
        {
            ProcessFunctionLog.InitFailed(_logger, _settings.FunctionName, EnvironmentId, ex.ErrorType, ex.Message);
            Kill();
            throw;
        }
        ProcessFunctionLog.InitCompleted(_logger, _settings.FunctionName, EnvironmentId, InitDuration?.TotalMilliseconds ?? 0);
    }

    public async Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_initDone.Task.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("InvokeAsync needs a successful InitAsync first.");
        }
        if (Volatile.Read(ref _exit) is { } exited)
        {
            throw Crashed(exited);
        }

        var pending = new PendingInvocation(invocation);
        Volatile.Write(ref _current, pending);
        if (!_mailbox.Writer.TryWrite(pending))
        {
            Interlocked.CompareExchange(ref _current, null, pending);
            throw Volatile.Read(ref _exit) is { } gone
                ? Crashed(gone)
                : new InvalidOperationException("An invocation is already waiting for the runtime: invoke one at a time.");
        }
        if (Volatile.Read(ref _exit) is { } exitedMeanwhile)
        {
            pending.TryFail(Crashed(exitedMeanwhile));
        }

        try
        {
            InvocationAnswer answer;
            using (cancellationToken.UnsafeRegister(static (state, token) => ((PendingInvocation)state!).TryCancel(token), pending))
            {
                answer = await pending.Answer;
            }
            // Whatever the function printed before answering belongs to this invocation's log; the fences
            // were started when the answer arrived, so they are usually through by now.
            var (stdoutFence, stderrFence) = pending.LogFences;
            if (!stdoutFence.IsCompleted)
            {
                await stdoutFence.WaitAsync(cancellationToken);
            }
            if (!stderrFence.IsCompleted)
            {
                await stderrFence.WaitAsync(cancellationToken);
            }
            return new HandlerResult(answer.Payload, answer.FunctionError, _log.Take(), MeasurePeakMemory());
        }
        catch (OperationCanceledException)
        {
            // A timed-out environment is discarded by the caller; the process must not keep running the
            // event. Its peak memory is read first: a killed process has no /proc entry left.
            MeasurePeakMemory();
            Kill();
            throw;
        }
        finally
        {
            Interlocked.CompareExchange(ref _current, null, pending);
        }
    }

    /// <inheritdoc />
    public async ValueTask<InterruptedInvocation> TakeInterruptedAsync(CancellationToken cancellationToken)
    {
        var memory = MeasurePeakMemory();
        if (_stdout is not null && _stderr is not null)
        {
            // Both fences are bounded in time (a marker through a live pipe, or end-of-file after the exit).
            await Task.WhenAll(_stdout.FenceAsync(cancellationToken), _stderr.FenceAsync(cancellationToken));
        }
        return new InterruptedInvocation(_log.Take(), memory);
    }

    /// <summary>The process's peak resident memory so far (Linux), remembered for when the process is gone.</summary>
    private int? MeasurePeakMemory()
    {
        if (ProcessId is int pid && ProcessMemory.PeakMegabytes(pid) is int peak)
        {
            Volatile.Write(ref _lastPeakMemoryMb, peak);
            return peak;
        }
        return Volatile.Read(ref _lastPeakMemoryMb) is > 0 and var last ? last : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _mailbox.Writer.TryComplete();
        var process = _process;
        if (process is not null)
        {
            Kill();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5), _timeProvider);
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Logged by Kill when it failed; nothing else can be done for a process that will not die.
            }
        }
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }
        if (_stdout is not null)
        {
            await _stdout.DisposeAsync();
        }
        if (_stderr is not null)
        {
            await _stderr.DisposeAsync();
        }
        if (process is not null)
        {
            process.Exited -= OnProcessExited;
            process.Dispose();
        }
        if (Volatile.Read(ref _initStarted) != 0)
        {
            // An InitAsync still waiting (its process never reported an exit) must not wait forever.
            _initDone.TrySetException(new FunctionInitException("Runtime.ExitError", "The execution environment was disposed during init."));
        }
    }

    private ProcessStartInfo BuildStartInfo(string runtimeApi)
    {
        var function = _settings.Function;
        var command = LambdaEnvironmentVariables.ResolveCommand(function.Command!);
        // A command found on PATH (node) says nothing about where the function's code is.
        var commandDirectory = Path.IsPathRooted(function.Command) ? Path.GetDirectoryName(command) : null;
        var taskRoot = function.WorkingDirectory ?? commandDirectory ?? Environment.CurrentDirectory;
        var start = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = taskRoot,
        };
        foreach (var argument in function.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        LambdaEnvironmentVariables.Fill(start.Environment, _settings.Spec, _settings.Region, runtimeApi, taskRoot, command, _timeProvider.GetUtcNow());
        return start;
    }

    private void OnProcessExited(object? sender, EventArgs e)
    {
        var process = (OsProcess)sender!;
        ProcessExit exit;
        try
        {
            exit = ProcessExit.From(process.ExitCode);
        }
        catch (InvalidOperationException)
        {
            exit = new ProcessExit("exit status unknown");
        }
        Volatile.Write(ref _exit, exit);
        ProcessFunctionLog.ProcessExited(_logger, _settings.FunctionName, EnvironmentId, ProcessId ?? 0, exit.Description);

        _initDone.TrySetException(new FunctionInitException("Runtime.ExitError", $"Runtime exited with error: {exit.Description}"));
        _mailbox.Writer.TryComplete();
        if (Volatile.Read(ref _current) is { } pending)
        {
            pending.TryFail(Crashed(exit));
        }
        // The process's ends of the pipes are closed; closing ours lets the readers finish.
        _stdout?.CloseFenceWriter();
        _stderr?.CloseFenceWriter();
    }

    // The caller words it as Lambda does ("RequestId: … Error: " and this message).
    private static EnvironmentCrashedException Crashed(ProcessExit exit) =>
        new("Runtime.ExitError", $"Runtime exited with error: {exit.Description}");

    private void Kill()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception ex)
        {
            ProcessFunctionLog.KillFailed(_logger, _settings.FunctionName, EnvironmentId, ProcessId ?? 0, ex);
        }
    }
}

/// <summary>What one process environment needs to know about its function.</summary>
internal sealed record ProcessEnvironmentSettings(FunctionEnvironmentSpec Spec, string Region)
{
    public string FunctionName => Spec.FunctionName;
    public LocalFunctionOptions Function => Spec.Function;
    public string EnvironmentId => Spec.EnvironmentId;
}
