using System.Globalization;
using System.Text.Json;
using WarmKeeper.Core.Observations;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Engine;

public sealed partial class LocalLambdaEngine
{
    private static readonly byte[] EmptyEvent = "{}"u8.ToArray();

    /// <summary>
    /// Invokes a function as Lambda's Invoke does. Never throws for API errors: they come back in
    /// <see cref="LocalInvokeResult.Error"/> (throttles, unknown function, bad payload).
    /// </summary>
    /// <param name="cancellationToken">Only stops waiting for admission; a started invocation runs to its end or timeout, as on Lambda.</param>
    public ValueTask<LocalInvokeResult> InvokeAsync(LocalInvokeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestId = request.RequestId ?? Guid.NewGuid().ToString();
        var startedAt = _time.GetUtcNow();
        if (!TryResolve(request.FunctionName, request.Qualifier, out var fn, out var qualifier, out var version, out var error))
        {
            return ValueTask.FromResult(Rejected(requestId, error));
        }

        var type = request.InvocationType;
        bool isEvent;
        if (string.IsNullOrEmpty(type) || type == InvocationTypes.RequestResponse)
        {
            isEvent = false;
        }
        else if (type == InvocationTypes.Event)
        {
            isEvent = true;
        }
        else if (type == InvocationTypes.DryRun)
        {
            isEvent = false;
        }
        else
        {
            return ValueTask.FromResult(Rejected(requestId, LambdaApiError.InvalidParameter(
                "1 validation error detected: Value '" + type + "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")));
        }

        var payload = request.Payload;
        // Verified against the payload as sent: the proof covers its hash.
        var agentPing = request.PingProof is not null && _agentPings?.Verify(request.PingProof, fn.Definition.Name, qualifier, payload.Span) == true;
        var limit = isEvent ? LambdaLimits.AsyncPayloadBytes : LambdaLimits.SyncPayloadBytes;
        if (payload.Length > limit)
        {
            return ValueTask.FromResult(Rejected(requestId, LambdaApiError.RequestTooLarge(limit, isEvent)));
        }

        if (payload.IsEmpty)
        {
            payload = EmptyEvent;
        }
        else if (!TryValidateJson(payload.Span, out var parseError))
        {
            return ValueTask.FromResult(Rejected(requestId, new LambdaApiError(400, LambdaErrorTypes.InvalidRequestContent,
                "Could not parse request body into json: Could not parse payload into json: " + parseError)));
        }

        if (type == InvocationTypes.DryRun)
        {
            return ValueTask.FromResult(new LocalInvokeResult { RequestId = requestId, StatusCode = 204, ExecutedVersion = version });
        }

        if (isEvent)
        {
            var queued = new QueuedEvent(fn, qualifier, version, payload.ToArray(), requestId, request.ClientContext, startedAt, agentPing);
            return ValueTask.FromResult(_eventQueue.TryEnqueue(queued)
                ? new LocalInvokeResult { RequestId = requestId, StatusCode = 202 }
                : Rejected(requestId, new LambdaApiError(429, LambdaErrorTypes.TooManyRequests,
                    "Rate Exceeded.", ThrottleReasons.ConcurrentInvocationLimitExceeded, 1)));
        }

        return RunAsync(fn, qualifier, version, payload, requestId, InvocationTypes.RequestResponse, request.TailLog, request.ClientContext, startedAt, agentPing);
    }

    private static LocalInvokeResult Rejected(string requestId, LambdaApiError error) =>
        new() { RequestId = requestId, StatusCode = error.StatusCode, Error = error };

    private bool TryResolve(string functionName, string? requestedQualifier, out FunctionRuntime fn, out string? qualifier, out string version, out LambdaApiError error)
    {
        var reference = FunctionReference.Parse(functionName);
        qualifier = string.IsNullOrEmpty(requestedQualifier) ? null : requestedQualifier;
        if (reference.Qualifier is not null)
        {
            if (qualifier is not null && qualifier != reference.Qualifier)
            {
                fn = null!;
                version = null!;
                error = LambdaApiError.InvalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
                return false;
            }

            qualifier = reference.Qualifier;
        }

        if (!_functions.TryGetValue(reference.Name, out fn!))
        {
            version = null!;
            error = LambdaApiError.FunctionNotFound(_arnPrefix + reference.Name + (qualifier is null ? string.Empty : ":" + qualifier));
            return false;
        }

        var resolved = fn.Definition.ResolveVersion(qualifier);
        if (resolved is null)
        {
            version = null!;
            error = LambdaApiError.FunctionNotFound(fn.Definition.QualifiedArn(qualifier!));
            return false;
        }

        version = resolved;
        error = null!;
        return true;
    }

    private static bool TryValidateJson(ReadOnlySpan<byte> payload, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            while (reader.Read())
            {
            }

            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Runs one admitted-or-throttled invocation through the environments (sync callers and the event queue).</summary>
    internal async ValueTask<LocalInvokeResult> RunAsync(
        FunctionRuntime fn,
        string? qualifier,
        string version,
        ReadOnlyMemory<byte> payload,
        string requestId,
        string invocationType,
        bool tail,
        string? clientContext,
        DateTimeOffset startedAt,
        bool agentPing = false)
    {
        var definition = fn.Definition;
        ExecutionEnvironment? env = null;
        var cold = false;
        var inFlight = 0;
        string? throttleReason;
        List<ExecutionEnvironment>? gone = null;
        lock (_gate)
        {
            throttleReason = AdmitLocked(fn);
            if (throttleReason is null)
            {
                inFlight = ++fn.InFlight;
                if (inFlight > fn.MaxObservedInFlight)
                {
                    fn.MaxObservedInFlight = inFlight;
                }

                env = TakeIdleLocked(fn, qualifier, version, startedAt, ref gone);
                if (env is null)
                {
                    env = new ExecutionEnvironment(NewEnvironmentId(), version, null, startedAt);
                    fn.Pools[version].All.Add(env);
                    cold = true;
                }
            }
        }

        DiscardTaken(fn, gone);
        var observed = !_observers.HasObservers ? null : new InvocationObserved
        {
            Source = SourceName,
            RequestId = requestId,
            FunctionName = definition.Name,
            Qualifier = qualifier,
            ExecutedVersion = version,
            InvocationType = invocationType,
            StartedAt = startedAt,
            AgentPing = agentPing,
        };
        if (throttleReason is not null)
        {
            Log.Throttled(_logger, requestId, definition.Name, throttleReason);
            Publish(observed, o => o with { Throttled = true, ThrottleReason = throttleReason });
            return Rejected(requestId, LambdaApiError.Throttled(throttleReason, 1));
        }

        var environment = env!;
        var outcome = new RunOutcome();

        // Whatever happens in between, the admission is given back and the environment returned
        // (or discarded): a leaked in-flight count would throttle the function forever.
        var completed = false;
        try
        {
            if (cold)
            {
                await ColdStartAsync(definition, environment, requestId, outcome);
            }

            if (!outcome.Discard)
            {
                await InvokeHandlerAsync(definition, environment, qualifier, payload, requestId, clientContext, outcome);
            }

            completed = true;
        }
        finally
        {
            Release(fn, environment, outcome.Discard || !completed);
        }

        var result = outcome.Result;
        ReadOnlyMemory<byte> responsePayload;
        string? functionError;
        if (outcome.ErrorType is not null)
        {
            responsePayload = InvocationLog.ErrorDocument(outcome.ErrorType, "RequestId: " + requestId + " Error: " + outcome.ErrorMessage);
            functionError = "Unhandled";
        }
        else
        {
            responsePayload = result!.Payload;
            functionError = result.FunctionError;
        }

        var options = definition.Options;
        var provisioned = environment.Provisioned is not null;
        string? logResult = null;
        if (tail)
        {
            var maxMemoryUsed = outcome.MaxMemoryUsedMb ?? InvocationLog.EstimateMaxMemoryUsedMb(options.MemoryMb, payload.Length);
            logResult = InvocationLog.BuildTail(requestId, version, outcome.Log, outcome.ExtraLine, outcome.RunDuration, options.MemoryMb,
                maxMemoryUsed, outcome.InitDuration, outcome.Status);
        }

        Publish(observed, o => o with
        {
            EnvironmentId = environment.Id,
            Start = cold ? InvocationStart.Cold : InvocationStart.Warm,
            Provisioned = provisioned,
            InitDuration = outcome.InitDuration ?? TimeSpan.Zero,
            RunDuration = outcome.RunDuration,
            FunctionError = functionError,
            ErrorType = outcome.ErrorType,
            InFlightAtStart = inFlight,
        });

        return new LocalInvokeResult
        {
            RequestId = requestId,
            StatusCode = 200,
            Payload = responsePayload,
            FunctionError = functionError,
            ExecutedVersion = version,
            LogResult = logResult,
            EnvironmentId = environment.Id,
            ColdStart = cold,
            Provisioned = provisioned,
        };
    }

    /// <summary>Publishes what an invocation came to; <paramref name="observed"/> is null when nobody observes.</summary>
    private void Publish(InvocationObserved? observed, Func<InvocationObserved, InvocationObserved> outcome)
    {
        if (observed is not null)
        {
            _observers.Publish(outcome(observed));
        }
    }

    private async ValueTask ColdStartAsync(FunctionDefinition definition, ExecutionEnvironment environment, string requestId, RunOutcome outcome)
    {
        Log.ColdStart(_logger, definition.Name, environment.Version, environment.Id);
        var initStart = _time.GetTimestamp();
        var initError = await InitializeAsync(definition, environment);
        var initDuration = _time.GetElapsedTime(initStart);
        outcome.InitDuration = initDuration;
        if (initError is not null)
        {
            outcome.Fail(initError.Value.ErrorType, initError.Value.Message, "error");
            outcome.ExtraLine = "INIT_REPORT Init Duration: " + initDuration.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture)
                + " ms\tPhase: init\tStatus: error\tError Type: " + initError.Value.ErrorType;
        }
    }

    private async ValueTask InvokeHandlerAsync(
        FunctionDefinition definition, ExecutionEnvironment environment, string? qualifier, ReadOnlyMemory<byte> payload,
        string requestId, string? clientContext, RunOutcome outcome)
    {
        var options = definition.Options;
        var handler = environment.Handler!;
        var invokedArn = qualifier is null ? definition.Arn : definition.QualifiedArn(qualifier);
        var runStart = _time.GetTimestamp();
        var invocation = new HandlerInvocation(requestId, payload, invokedArn, _time.GetUtcNow() + options.Timeout, clientContext);
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var onShutdown = _stopping.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), timeout);
        try
        {
            var result = await handler.InvokeAsync(invocation, timeout.Token).WaitAsync(timeout.Token);
            outcome.Result = result;
            outcome.Log = result.Log;
            outcome.MaxMemoryUsedMb = result.MaxMemoryUsedMb;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var seconds = options.Timeout.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
            outcome.Fail("Sandbox.Timedout", "Task timed out after " + seconds + " seconds", "timeout");
            outcome.ExtraLine = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " + requestId + " Task timed out after " + seconds + " seconds";
            Log.TimedOut(_logger, requestId, definition.Name, options.Timeout, environment.Id);
        }
        catch (EnvironmentCrashedException ex)
        {
            outcome.Fail(ex.ErrorType, ex.Message, "error");
            Log.Crashed(_logger, environment.Id, definition.Name, requestId, ex.ErrorType, ex);
        }
        catch (Exception ex)
        {
            outcome.Fail("Runtime.Unknown", ex.Message, "error");
            Log.HandlerFailed(_logger, environment.Id, definition.Name, requestId, ex);
        }

        outcome.RunDuration = _time.GetElapsedTime(runStart);
        if (outcome.Result is null)
        {
            // Ended without an answer: the lines the function wrote before the end still belong to this invocation.
            var interrupted = await handler.TakeInterruptedAsync(_stopping);
            outcome.Log = interrupted.Log;
            outcome.MaxMemoryUsedMb = interrupted.MaxMemoryUsedMb;
        }
    }

    /// <summary>How one admitted invocation went: its answer, or the error Lambda words for it, and what REPORT says.</summary>
    private sealed class RunOutcome
    {
        public HandlerResult? Result { get; set; }
        public TimeSpan? InitDuration { get; set; }
        public TimeSpan RunDuration { get; set; }
        public string? Log { get; set; }
        public int? MaxMemoryUsedMb { get; set; }

        /// <summary>Set on a failure of the environment itself (init, timeout, crash): the response is Lambda's error document.</summary>
        public string? ErrorType { get; private set; }

        /// <summary>The message after Lambda's "RequestId: … Error: " prefix.</summary>
        public string? ErrorMessage { get; private set; }

        /// <summary>REPORT's Status (error, timeout), null on success.</summary>
        public string? Status { get; private set; }

        /// <summary>A platform line after the function's own (INIT_REPORT, "Task timed out").</summary>
        public string? ExtraLine { get; set; }

        /// <summary>The environment cannot be reused.</summary>
        public bool Discard { get; private set; }

        public void Fail(string errorType, string message, string status)
        {
            Discard = true;
            ErrorType = errorType;
            ErrorMessage = message;
            Status = status;
        }
    }

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The invocation finished between the shutdown and this callback.
        }
    }

    private static string NewEnvironmentId() => Guid.NewGuid().ToString("N");
}
