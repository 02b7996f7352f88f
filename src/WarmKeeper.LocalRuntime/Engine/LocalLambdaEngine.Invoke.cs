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
        List<ExecutionEnvironment>? expired = null;
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

                env = TakeIdleLocked(fn, qualifier, version, startedAt, ref expired);
                if (env is null)
                {
                    env = new ExecutionEnvironment(NewEnvironmentId(), version, null, startedAt);
                    fn.Pools[version].All.Add(env);
                    cold = true;
                }
            }
        }

        if (expired is not null)
        {
            foreach (var e in expired)
            {
                DisposeLater(definition.Name, e, "idle or lifetime ended");
            }
        }

        if (throttleReason is not null)
        {
            Log.Throttled(_logger, requestId, definition.Name, throttleReason);
            if (_observers.HasObservers)
            {
                _observers.Publish(new InvocationObserved
                {
                    Source = SourceName,
                    RequestId = requestId,
                    FunctionName = definition.Name,
                    Qualifier = qualifier,
                    ExecutedVersion = version,
                    InvocationType = invocationType,
                    Throttled = true,
                    ThrottleReason = throttleReason,
                    StartedAt = startedAt,
                    AgentPing = agentPing,
                });
            }

            return Rejected(requestId, LambdaApiError.Throttled(throttleReason, 1));
        }

        var environment = env!;
        var options = definition.Options;
        TimeSpan? initDuration = null;
        string? errorType = null;
        string? errorMessage = null;
        string? status = null;
        string? extraLine = null;
        var discard = false;
        HandlerResult? result = null;
        var runDuration = TimeSpan.Zero;

        // Whatever happens in between, the admission is given back and the environment returned
        // (or discarded): a leaked in-flight count would throttle the function forever.
        var completed = false;
        try
        {
            if (cold)
            {
                Log.ColdStart(_logger, definition.Name, version, environment.Id);
                var initStart = _time.GetTimestamp();
                var initError = await InitializeAsync(definition, environment);
                initDuration = _time.GetElapsedTime(initStart);
                if (initError is not null)
                {
                    discard = true;
                    errorType = initError.Value.ErrorType;
                    errorMessage = "RequestId: " + requestId + " Error: " + initError.Value.Message;
                    status = "error";
                    extraLine = "INIT_REPORT Init Duration: " + initDuration.Value.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms\tPhase: init\tStatus: error\tError Type: " + errorType;
                }
            }

            if (!discard)
            {
                var invokedArn = qualifier is null ? definition.Arn : definition.QualifiedArn(qualifier);
                var runStart = _time.GetTimestamp();
                var invocation = new HandlerInvocation(requestId, payload, invokedArn, _time.GetUtcNow() + options.Timeout, clientContext);
                using var timeout = new CancellationTokenSource(options.Timeout, _time);
                using var onShutdown = _stopping.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), timeout);
                try
                {
                    result = await environment.Handler!.InvokeAsync(invocation, timeout.Token).WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    discard = true;
                    errorType = "Sandbox.Timedout";
                    var seconds = options.Timeout.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
                    errorMessage = "RequestId: " + requestId + " Error: Task timed out after " + seconds + " seconds";
                    status = "timeout";
                    extraLine = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " + requestId + " Task timed out after " + seconds + " seconds";
                    Log.TimedOut(_logger, requestId, definition.Name, options.Timeout, environment.Id);
                }
                catch (EnvironmentCrashedException ex)
                {
                    discard = true;
                    errorType = ex.ErrorType;
                    errorMessage = "RequestId: " + requestId + " Error: " + ex.Message;
                    status = "error";
                    Log.Crashed(_logger, environment.Id, definition.Name, requestId, ex.ErrorType, ex);
                }
                catch (Exception ex)
                {
                    discard = true;
                    errorType = "Runtime.Unknown";
                    errorMessage = "RequestId: " + requestId + " Error: " + ex.Message;
                    status = "error";
                    Log.HandlerFailed(_logger, environment.Id, definition.Name, requestId, ex);
                }

                runDuration = _time.GetElapsedTime(runStart);
            }

            completed = true;
        }
        finally
        {
            Release(fn, environment, discard || !completed);
        }

        ReadOnlyMemory<byte> responsePayload;
        string? functionError;
        if (errorType is not null)
        {
            responsePayload = InvocationLog.ErrorDocument(errorType, errorMessage!);
            functionError = "Unhandled";
        }
        else
        {
            responsePayload = result!.Payload;
            functionError = result.FunctionError;
        }

        var provisioned = environment.Provisioned is not null;
        string? logResult = null;
        if (tail)
        {
            logResult = InvocationLog.BuildTail(requestId, version, result?.Log, extraLine, runDuration, options.MemoryMb,
                InvocationLog.EstimateMaxMemoryUsedMb(options.MemoryMb, payload.Length), initDuration, status);
        }

        if (_observers.HasObservers)
        {
            _observers.Publish(new InvocationObserved
            {
                Source = SourceName,
                RequestId = requestId,
                FunctionName = definition.Name,
                Qualifier = qualifier,
                ExecutedVersion = version,
                InvocationType = invocationType,
                EnvironmentId = environment.Id,
                Start = cold ? InvocationStart.Cold : InvocationStart.Warm,
                Provisioned = provisioned,
                InitDuration = initDuration ?? TimeSpan.Zero,
                RunDuration = runDuration,
                FunctionError = functionError,
                ErrorType = errorType,
                StartedAt = startedAt,
                InFlightAtStart = inFlight,
                AgentPing = agentPing,
            });
        }

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

    /// <summary>Throttle reason when the invocation may not start now; null when admitted.</summary>
    private string? AdmitLocked(FunctionRuntime fn)
    {
        if (fn.Reserved is int reserved)
        {
            return fn.InFlight >= reserved ? ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded : null;
        }

        var unreservedPool = Options.AccountConcurrency - _sumReserved;
        var used = 0;
        foreach (var f in _functionList)
        {
            if (f.Reserved is null)
            {
                used += f.InFlight;
            }
        }

        return used >= unreservedPool ? ThrottleReasons.ConcurrentInvocationLimitExceeded : null;
    }

    /// <summary>An idle provisioned environment of the qualifier first, else the most recently used idle on-demand one.</summary>
    private ExecutionEnvironment? TakeIdleLocked(FunctionRuntime fn, string? qualifier, string version, DateTimeOffset now, ref List<ExecutionEnvironment>? expired)
    {
        if (qualifier is not null && fn.Provisioned.Count > 0 && fn.Provisioned.TryGetValue(qualifier, out var pc))
        {
            foreach (var e in pc.Environments)
            {
                if (e.State == EnvironmentState.Idle && !e.RetireWhenIdle)
                {
                    e.State = EnvironmentState.Busy;
                    return e;
                }
            }
        }

        var pool = fn.Pools[version];
        while (pool.Idle.Count > 0)
        {
            var last = pool.Idle.Count - 1;
            var e = pool.Idle[last];
            pool.Idle.RemoveAt(last);
            if (now - e.LastUsedAt >= Options.IdleTimeout || now - e.BornAt >= Options.MaxLifetime)
            {
                pool.All.Remove(e);
                e.Discarded = true;
                (expired ??= []).Add(e);
                continue;
            }

            e.State = EnvironmentState.Busy;
            return e;
        }

        return null;
    }

    private readonly record struct InitError(string ErrorType, string Message);

    /// <summary>Creates the handler and runs its init within <see cref="LocalRuntimeOptions.InitTimeout"/>.</summary>
    private async ValueTask<InitError?> InitializeAsync(FunctionDefinition definition, ExecutionEnvironment env)
    {
        try
        {
            var handler = _handlers.Create(definition.Name, definition.Options, env.Id);
            env.Handler = handler;
            using var initTimeout = new CancellationTokenSource(Options.InitTimeout, _time);
            using var onShutdown = _stopping.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), initTimeout);
            try
            {
                await handler.InitAsync(initTimeout.Token).WaitAsync(initTimeout.Token);
            }
            catch (OperationCanceledException) when (initTimeout.IsCancellationRequested)
            {
                return new InitError("Runtime.InitTimeout",
                    "Init timed out after " + Options.InitTimeout.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " seconds");
            }

            return null;
        }
        catch (FunctionInitException ex)
        {
            Log.InitFailed(_logger, definition.Name, env.Id, ex.ErrorType, ex);
            return new InitError(ex.ErrorType, ex.Message);
        }
        catch (Exception ex)
        {
            Log.InitFailed(_logger, definition.Name, env.Id, "Runtime.InitError", ex);
            return new InitError("Runtime.InitError", ex.Message);
        }
    }

    /// <summary>Returns the environment after an invocation: back to idle, or out (discarded, retired, lifetime over).</summary>
    private void Release(FunctionRuntime fn, ExecutionEnvironment env, bool discard)
    {
        var now = _time.GetUtcNow();
        var remove = false;
        ProvisionedAllocation? replenish = null;
        lock (_gate)
        {
            fn.InFlight--;
            env.InvocationCount++;
            env.LastUsedAt = now;
            if (discard || env.Discarded || env.RetireWhenIdle || now - env.BornAt >= Options.MaxLifetime)
            {
                remove = !env.Discarded;
                RemoveLocked(fn, env);
                if (env.Provisioned is { Removed: false } pc && !env.RetireWhenIdle)
                {
                    replenish = pc;
                }
            }
            else
            {
                env.State = EnvironmentState.Idle;
                if (env.Provisioned is null)
                {
                    fn.Pools[env.Version].Idle.Add(env);
                }
            }
        }

        if (remove)
        {
            DisposeLater(fn.Definition.Name, env, discard ? "timed out or crashed" : "retired");
        }

        if (replenish is not null)
        {
            StartProvisioning(fn, replenish, TimeSpan.Zero);
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
