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
public sealed class ProcessFunctionHandler : IFunctionHandler
{
    /// <summary>Lambda's limit for a synchronous response (6 MB as Lambda counts it).</summary>
    public const int MaxResponseBytes = 6_291_556;

    private const string RuntimePathPrefix = "/2018-06-01/runtime/";
    private const string InvocationPrefix = "invocation/";

    // Never written to: the same bytes answer every accepted post.
    private static readonly ReadOnlyMemory<byte> AcceptedBody = "{\"status\":\"OK\"}"u8.ToArray();

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
            throw Crashed(invocation.RequestId, exited);
        }

        var pending = new PendingInvocation(invocation);
        Volatile.Write(ref _current, pending);
        if (!_mailbox.Writer.TryWrite(pending))
        {
            Interlocked.CompareExchange(ref _current, null, pending);
            throw Volatile.Read(ref _exit) is { } gone
                ? Crashed(invocation.RequestId, gone)
                : new InvalidOperationException("An invocation is already waiting for the runtime: invoke one at a time.");
        }
        if (Volatile.Read(ref _exit) is { } exitedMeanwhile)
        {
            pending.TryFail(Crashed(invocation.RequestId, exitedMeanwhile));
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
            return new HandlerResult(answer.Payload, answer.FunctionError, _log.Take());
        }
        catch (OperationCanceledException)
        {
            // A timed-out environment is discarded by the caller; the process must not keep running the event.
            Kill();
            throw;
        }
        finally
        {
            Interlocked.CompareExchange(ref _current, null, pending);
        }
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
        var command = function.Command!;
        var commandDirectory = Path.IsPathRooted(command) ? Path.GetDirectoryName(command) : null;
        var workingDirectory = function.WorkingDirectory ?? commandDirectory;
        var start = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in function.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var environment = start.Environment;
        foreach (var (name, value) in function.Environment)
        {
            environment[name] = value;
        }
        // Lambda's reserved variables cannot be overridden by the function's configuration; _HANDLER has
        // no configuration field of its own here, so a configured one is kept.
        var now = _timeProvider.GetUtcNow();
        environment["AWS_LAMBDA_RUNTIME_API"] = runtimeApi;
        environment["AWS_LAMBDA_FUNCTION_NAME"] = _settings.FunctionName;
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = function.MemoryMb.ToString(CultureInfo.InvariantCulture);
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + _settings.FunctionName;
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = now.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture) + "/[$LATEST]" + EnvironmentId.Replace("-", "", StringComparison.Ordinal);
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = _settings.Provisioned ? "provisioned-concurrency" : "on-demand";
        environment["AWS_REGION"] = _settings.Region;
        environment["AWS_DEFAULT_REGION"] = _settings.Region;
        environment["TZ"] = ":UTC";
        environment["LAMBDA_TASK_ROOT"] = workingDirectory ?? Environment.CurrentDirectory;
        environment["LAMBDA_RUNTIME_DIR"] = workingDirectory ?? Environment.CurrentDirectory;
        if (!function.Environment.ContainsKey("_HANDLER"))
        {
            environment["_HANDLER"] = Path.GetFileName(command);
        }
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

        _initDone.TrySetException(new FunctionInitException("Runtime.ExitError", $"Error: Runtime exited with error: {exit.Description}"));
        _mailbox.Writer.TryComplete();
        if (Volatile.Read(ref _current) is { } pending)
        {
            pending.TryFail(Crashed(pending.Invocation.RequestId, exit));
        }
        // The process's ends of the pipes are closed; closing ours lets the readers finish.
        _stdout?.CloseFenceWriter();
        _stderr?.CloseFenceWriter();
    }

    private static EnvironmentCrashedException Crashed(string requestId, ProcessExit exit) =>
        new("Runtime.ExitError", $"RequestId: {requestId} Error: Runtime exited with error: {exit.Description}");

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

    // ---- The Runtime API, as the process sees it -------------------------------------------------

    private Task HandleRuntimeApiAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (!path.StartsWith(RuntimePathPrefix, StringComparison.Ordinal))
        {
            return RefuseAsync(context, StatusCodes.Status404NotFound, "InvalidRequest", "Not a Runtime API path: " + path);
        }
        var route = path.AsSpan(RuntimePathPrefix.Length);
        var isGet = HttpMethods.IsGet(request.Method);
        var isPost = HttpMethods.IsPost(request.Method);

        if (route.SequenceEqual("invocation/next"))
        {
            return isGet ? NextAsync(context) : MethodNotAllowedAsync(context);
        }
        if (route.SequenceEqual("init/error"))
        {
            return isPost ? InitErrorAsync(context) : MethodNotAllowedAsync(context);
        }
        if (route.StartsWith(InvocationPrefix, StringComparison.Ordinal))
        {
            var rest = route[InvocationPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash > 0)
            {
                var action = rest[(slash + 1)..];
                var isResponse = action.SequenceEqual("response");
                if (isResponse || action.SequenceEqual("error"))
                {
                    if (!isPost)
                    {
                        return MethodNotAllowedAsync(context);
                    }
                    var requestId = rest[..slash];
                    var pending = CurrentInvocation(requestId);
                    if (pending is null)
                    {
                        return RefuseInvalidRequestIdAsync(context, requestId.ToString());
                    }
                    return isResponse ? InvocationResponseAsync(context, pending) : InvocationErrorAsync(context, pending);
                }
            }
        }
        return RefuseAsync(context, StatusCodes.Status404NotFound, "InvalidRequest", "Unknown Runtime API path: " + path);
    }

    private async Task NextAsync(HttpContext context)
    {
        if (!_initDone.Task.IsCompleted)
        {
            InitDuration = _timeProvider.GetElapsedTime(_initStartTimestamp);
            _initDone.TrySetResult();
        }

        PendingInvocation pending;
        try
        {
            pending = await _mailbox.Reader.ReadAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ChannelClosedException)
        {
            // The environment is shutting down; the runtime has nothing more to do.
            await RefuseAsync(context, StatusCodes.Status500InternalServerError, "Runtime.ExitError", "The execution environment is shutting down.");
            return;
        }

        var invocation = pending.Invocation;
        var response = context.Response;
        var headers = response.Headers;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = invocation.Payload.Length;
        headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = invocation.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.InvokedFunctionArn;
        headers["Lambda-Runtime-Trace-Id"] = TraceId(invocation.RequestId);
        if (invocation.ClientContext is { Length: > 0 } clientContext)
        {
            headers["Lambda-Runtime-Client-Context"] = DecodeClientContext(clientContext);
        }
        await response.BodyWriter.WriteAsync(invocation.Payload, context.RequestAborted);
    }

    private async Task InvocationResponseAsync(HttpContext context, PendingInvocation pending)
    {
        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            TryAnswer(pending, new InvocationAnswer(ResponseTooLargeDocument(), "Unhandled"));
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
                $"Exceeded maximum allowed payload size ({MaxResponseBytes} bytes).");
            return;
        }
        if (!TryAnswer(pending, new InvocationAnswer(body, null)))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidStateTransition", "The invocation was already answered or has timed out.");
            return;
        }
        await AcceptedAsync(context);
    }

    private async Task InvocationErrorAsync(HttpContext context, PendingInvocation pending)
    {
        var errorType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        var body = await ReadBodyAsync(context);
        var document = body is null
            ? ResponseTooLargeDocument()
            : LooksLikeJsonObject(body) ? body : ErrorDocument(body.Length == 0 ? "Unknown application error occurred" : Encoding.UTF8.GetString(body), errorType.Length > 0 ? errorType : "Unhandled");
        if (!TryAnswer(pending, new InvocationAnswer(document, "Unhandled")))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidStateTransition", "The invocation was already answered or has timed out.");
            return;
        }
        await AcceptedAsync(context);
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        if (_initDone.Task.IsCompleted)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "InvalidStateTransition", "init/error is only accepted before the first invocation/next.");
            return;
        }
        var headerType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        var body = await ReadBodyAsync(context) ?? [];
        string? bodyType = null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                bodyType = document.RootElement.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                message = document.RootElement.TryGetProperty("errorMessage", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            }
        }
        catch (JsonException)
        {
            message = Encoding.UTF8.GetString(body);
        }
        var errorType = headerType.Length > 0 ? headerType : bodyType ?? "Runtime.Unknown";
        _initDone.TrySetException(new FunctionInitException(errorType, message is { Length: > 0 } ? message : "The runtime reported an init error."));
        await AcceptedAsync(context);
    }

    private bool TryAnswer(PendingInvocation pending, InvocationAnswer answer)
    {
        // The output the function wrote before this post is already in the pipes: fence it now, while
        // the answer travels to the waiting InvokeAsync.
        pending.LogFences = (_stdout!.FenceAsync(CancellationToken.None), _stderr!.FenceAsync(CancellationToken.None));
        return pending.TryAnswer(answer);
    }

    private PendingInvocation? CurrentInvocation(ReadOnlySpan<char> requestId)
    {
        var pending = Volatile.Read(ref _current);
        return pending is not null && requestId.SequenceEqual(pending.Invocation.RequestId) ? pending : null;
    }

    /// <summary>The request body, or null when it exceeds <see cref="MaxResponseBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        // Not pooled: the answer outlives the request that carried it.
        using var body = await LambdaRequestBody.ReadAsync(context.Request, MaxResponseBytes, pool: null, context.RequestAborted);
        return body.IsTooLarge ? null : body.Memory.ToArray();
    }

    private static bool LooksLikeJsonObject(byte[] body)
    {
        var trimmed = body.AsSpan().TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{';
    }

    private static byte[] ResponseTooLargeDocument() => ErrorDocument(
        $"Response payload size exceeded maximum allowed payload size ({MaxResponseBytes} bytes).", "Function.ResponseSizeTooLarge");

    private static byte[] ErrorDocument(string message, string type)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", message);
            json.WriteString("errorType", type);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private string TraceId(string requestId)
    {
        // X-Ray's shape: Root=1-<epoch seconds, 8 hex>-<24 hex>; the request id supplies stable randomness.
        var seconds = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        Span<char> hex = stackalloc char[32];
        var written = 0;
        foreach (var c in requestId)
        {
            if (char.IsAsciiHexDigit(c) && written < hex.Length)
            {
                hex[written++] = char.ToLowerInvariant(c);
            }
        }
        while (written < 24)
        {
            hex[written++] = '0';
        }
        return string.Create(CultureInfo.InvariantCulture, $"Root=1-{seconds:x8}-{hex[..24]};Parent={hex[..16]};Sampled=0");
    }

    private static string DecodeClientContext(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return base64;
        }
    }

    private Task RefuseInvalidRequestIdAsync(HttpContext context, string requestId) =>
        RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidRequestID",
            $"Invalid request ID: {requestId} is not the invocation in progress.");

    private Task MethodNotAllowedAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "InvalidRequest",
            $"{context.Request.Method} is not allowed on {context.Request.Path}.");

    private async Task RefuseAsync(HttpContext context, int status, string errorType, string message)
    {
        ProcessFunctionLog.RequestRefused(_logger, _settings.FunctionName, EnvironmentId, context.Request.Method, context.Request.Path.Value ?? "", errorType);
        var body = ErrorDocument(message, errorType);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body);
    }

    private static Task AcceptedAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = "application/json";
        response.ContentLength = AcceptedBody.Length;
        var write = response.BodyWriter.WriteAsync(AcceptedBody);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }

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

/// <summary>What one process environment needs to know about its function.</summary>
internal sealed record ProcessEnvironmentSettings(
    string FunctionName,
    LocalFunctionOptions Function,
    string EnvironmentId,
    string Region,
    bool Provisioned);
