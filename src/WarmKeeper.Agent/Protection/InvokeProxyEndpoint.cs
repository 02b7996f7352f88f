using System.Globalization;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Protection;
using WarmKeeper.Core.Targets;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// The Invoke operation of the Lambda REST API, in front of a target: checks the caller's signature
/// (when proxy credentials are set), admits the call through every limit on the function, forwards
/// it to the target and answers exactly as Lambda would, including throttles (429
/// <c>TooManyRequestsException</c> with a <c>Reason</c>). One forward path, whatever the destination:
/// the target's control plane over its wire (signed with the target's credentials, as configured),
/// or, for the built-in runtime in this process, the engine itself (in process, unsigned).
/// </summary>
internal sealed partial class InvokeProxyEndpoint
{
    /// <summary>Sub-second precision for clients that can use it; <c>Retry-After</c> itself carries whole seconds, rounded up.</summary>
    public const string RetryAfterMillisecondsHeader = "Retry-After-Ms";

    /// <summary>Above Lambda's 6 MB so the target, not the proxy, answers oversized payloads in Lambda's words.</summary>
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    private readonly ILambdaTargets _targets;
    private readonly RateLimitRegistry _limits;
    private readonly ProxyResilience _resilience;
    private readonly InvocationObserverDispatcher _observations;
    private readonly SigV4RequestVerifier? _verifier;
    private readonly AgentPingProof _pings;
    private readonly (string Region, string Account)? _targetHome;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly bool _targetObservesItself;
    private readonly TimeSpan _breakDuration;
    private readonly bool _preferInProcess;

    public InvokeProxyEndpoint(
        ILambdaTargets targets,
        RateLimitRegistry limits,
        ProxyResilience resilience,
        [FromKeyedServices(ProtectionServiceCollectionExtensions.ProxyObservationsKey)] InvocationObserverDispatcher observations,
        IOptions<ProxyOptions> options,
        IOptions<LocalRuntimeOptions> localRuntime,
        AgentPingProof pings,
        TimeProvider time,
        ILogger<InvokeProxyEndpoint> logger)
    {
        _pings = pings;
        _targets = targets;
        _limits = limits;
        _resilience = resilience;
        _observations = observations;
        _time = time;
        _logger = logger;
        var o = options.Value;
        _target = o.Target;
        _breakDuration = o.Resilience.BreakDuration;
        if (o.Credentials is { AccessKeyId: { Length: > 0 } key, SecretAccessKey: { Length: > 0 } secret })
        {
            _verifier = new SigV4RequestVerifier(key, secret, o.Region, time);
        }

        // A target that reports every invocation it runs itself would have its demand counted twice.
        _targetObservesItself = targets.ReportsOwnInvocations(_target);
        _preferInProcess = o.InProcessLocalTarget;

        // The built-in runtime has one region and account; of a cloud target the proxy knows neither for
        // sure (another account's function may be invokable by permission), so AWS answers for those.
        _targetHome = _target == TargetNames.Local ? (localRuntime.Value.Region, localRuntime.Value.AccountId) : null;
    }

    public string Target => _target;

    public async Task InvokeAsync(HttpContext ctx)
    {
        try
        {
            await InvokeCoreAsync(ctx);
        }
        catch (Exception e) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
        {
            // A bug here must still answer in Lambda's shape, and be seen.
            LogProxyFailed(_logger, e);
            await ProxyErrors.WriteAsync(ctx, new LambdaApiError(500, LambdaErrorTypes.Service, "The invoke proxy failed: " + e.Message));
        }
    }

    private async Task InvokeCoreAsync(HttpContext ctx)
    {
        var cancellationToken = ctx.RequestAborted;
        var request = ctx.Request;
        // Plain arrays, not pooled: a forward cancelled mid-send may still be writing the bytes.
        using var read = await LambdaRequestBody.ReadAsync(request, MaxBodyBytes, pool: null, cancellationToken);
        if (read.IsTooLarge)
        {
            await ProxyErrors.WriteAsync(ctx, LambdaApiError.RequestTooLarge(LambdaLimits.SyncPayloadBytes, async: false));
            return;
        }

        var body = read.Memory;

        if (_verifier is not null)
        {
            var verdict = _verifier.Verify(request, body.Span);
            if (!verdict.IsAuthenticated)
            {
                await ProxyErrors.WriteAsync(ctx, new LambdaApiError(verdict.StatusCode, verdict.ErrorType!, verdict.Message!));
                return;
            }
        }

        // The name as the route decoded it (%3A is ':'), resolved by the one parser every listener uses:
        // every form of one function meets the same limits, and a form Lambda refuses is refused before any limit.
        var functionName = (string)request.RouteValues["FunctionName"]!;
        string? qualifierQuery = request.Query["Qualifier"];
        if (!FunctionReference.TryResolve(functionName, qualifierQuery, out var reference, out var nameError)
            || (nameError = ForeignFunction(reference)) is not null)
        {
            await ProxyErrors.WriteAsync(ctx, nameError!);
            return;
        }

        var function = reference.Name;
        var qualifier = reference.Qualifier;
        var headers = request.Headers;
        string? invocationTypeHeader = headers[LambdaHeaders.InvocationType];
        var invocationType = invocationTypeHeader switch
        {
            null or "" or InvocationTypes.RequestResponse => LambdaInvocationType.RequestResponse,
            InvocationTypes.Event => LambdaInvocationType.Event,
            InvocationTypes.DryRun => LambdaInvocationType.DryRun,
            _ => (LambdaInvocationType?)null,
        };
        if (invocationType is null)
        {
            await ProxyErrors.WriteAsync(ctx, LambdaApiError.InvalidParameter(
                $"1 validation error detected: Value '{invocationTypeHeader}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"));
            return;
        }

        if (!(_preferInProcess && _targets.TryGetInProcess(_target, out var lambda)) && !_targets.TryGet(_target, out lambda))
        {
            await ProxyErrors.WriteAsync(ctx, new LambdaApiError(503, LambdaErrorTypes.Service, $"The proxy's target '{_target}' is not available."));
            return;
        }

        var arrived = _time.GetUtcNow();
        // Only the agent's own pings, proven by their header, are pings here; a payload never claims it.
        var agentPing = _pings.Verify(headers[WarmKeeperHeaders.Ping], function, qualifier, body.Span);
        var gates = _limits.For(_target, function);
        var verdicts = gates.Count == 0 ? [] : new GateVerdict[gates.Count];
        var admittedCount = 0;
        try
        {
            // DryRun runs nothing, so it takes nothing from the budget.
            if (invocationType != LambdaInvocationType.DryRun && gates.Count > 0)
            {
                for (var i = 0; i < gates.Count; i++)
                {
                    var verdict = await gates[i].AdmitAsync(agentPing, cancellationToken);
                    if (!verdict.Admitted)
                    {
                        await RefuseAsync(ctx, gates[i], verdict, function, qualifier, invocationTypeHeader, arrived, agentPing);
                        return;
                    }

                    verdicts[i] = verdict;
                    admittedCount++;
                }
            }

            var forwardStarted = _time.GetTimestamp();
            var toRelease = admittedCount;
            admittedCount = 0;
            await ForwardAsync(ctx, lambda, new InvokeRequest
            {
                FunctionName = functionName,
                Qualifier = string.IsNullOrEmpty(qualifierQuery) ? null : qualifierQuery,
                InvocationType = invocationType.Value,
                TailLog = string.Equals(headers[LambdaHeaders.LogType], "Tail", StringComparison.Ordinal),
                Payload = body,
                ClientContext = headers[LambdaHeaders.ClientContext],
                // The caller's SDK retries throttles itself; the proxy repeats only what provably never reached the target.
                RetryIfNotRun = false,
                // The caller's proof was used up here: the target (the built-in runtime, which leaves pings out of demand) gets one of its own.
                PingProof = agentPing ? _pings.Sign(function, qualifier, body.Span) : null,
            }, function, qualifier, arrived, forwardStarted, gates, verdicts, toRelease, cancellationToken);
        }
        finally
        {
            // Calls refused by a later limit give back what earlier limits granted.
            for (var i = 0; i < admittedCount; i++)
            {
                gates[i].Finished(verdicts[i], TimeSpan.Zero);
            }
        }
    }

    private async Task ForwardAsync(
        HttpContext ctx, ILambdaControlPlane lambda, InvokeRequest invoke, string function, string? qualifier, DateTimeOffset arrived,
        long forwardStarted, IReadOnlyList<RateLimitGate> gates, GateVerdict[] verdicts, int admittedCount, CancellationToken cancellationToken)
    {
        InvokeResult? result = null;
        LambdaApiError? error = null;
        try
        {
            var pipeline = _resilience.For(_target);
            var context = ResilienceContextPool.Shared.Get("ProxyInvoke", cancellationToken);
            try
            {
                result = await pipeline.ExecuteAsync(
                    static (c, s) => new ValueTask<InvokeResult>(s.lambda.InvokeAsync(s.invoke, c.CancellationToken)),
                    context,
                    (lambda, invoke));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
        catch (Exception e) when (MapFailure(e) is { } mapped)
        {
            error = mapped;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away; nobody is left to answer.
        }
        finally
        {
            var elapsed = _time.GetElapsedTime(forwardStarted);
            var duration = result?.Report?.Duration ?? elapsed;
            for (var i = 0; i < admittedCount; i++)
            {
                gates[i].Finished(verdicts[i], duration);
            }

            if (result is not null && invoke.InvocationType == LambdaInvocationType.RequestResponse)
            {
                _limits.RecordDuration(_target, function, duration);
            }
        }

        if (error is not null)
        {
            LogForwardFailed(_logger, function, _target, error.StatusCode, error.ErrorType);
            await ProxyErrors.WriteAsync(ctx, error, RetryAfterOf(error));
            Observe(function, qualifier, invoke, arrived, result: null, error);
            return;
        }

        if (result is null)
        {
            return;
        }

        await WriteResultAsync(ctx, result, cancellationToken);
        Observe(function, qualifier, invoke, arrived, result, null);
    }

    /// <summary>Lambda's answer to an ARN of another region or account than the target's own (when it is known); null otherwise.</summary>
    private LambdaApiError? ForeignFunction(FunctionReference reference)
    {
        if (_targetHome is not { } home
            || ((reference.Region is null || reference.Region == home.Region) && (reference.Account is null || reference.Account == home.Account)))
        {
            return null;
        }

        var arn = $"arn:aws:lambda:{reference.Region ?? home.Region}:{reference.Account ?? home.Account}:function:{reference.Name}";
        return LambdaApiError.FunctionNotFound(reference.Qualifier is null ? arn : arn + ":" + reference.Qualifier);
    }

    /// <summary>How a failure of the target (or of the way to it) is answered; null for what is not ours to answer.</summary>
    private LambdaApiError? MapFailure(Exception exception) => exception switch
    {
        LambdaThrottledException e => new LambdaApiError(429, e.ErrorType, e.Message, e.Reason, RetrySeconds(e.RetryAfter)),
        LambdaServiceException e => new LambdaApiError((int)e.StatusCode, e.ErrorType, e.Message),
        BrokenCircuitException e => new LambdaApiError(503, LambdaErrorTypes.Service,
            $"The target '{_target}' is failing; the proxy stopped sending it calls for a while (circuit open).", null, RetrySeconds(e.RetryAfter ?? _breakDuration)),
        TimeoutException e => new LambdaApiError(504, LambdaErrorTypes.Service, e.Message),
        HttpRequestException e => new LambdaApiError(502, LambdaErrorTypes.Service, $"The target '{_target}' could not be reached: {e.Message}"),
        _ => null,
    };

    private async Task RefuseAsync(
        HttpContext ctx, RateLimitGate gate, GateVerdict verdict, string function, string? qualifier, string? invocationType, DateTimeOffset arrived, bool agentPing)
    {
        var retryAfter = verdict.RetryAfter;
        var error = new LambdaApiError(429, LambdaErrorTypes.TooManyRequests, "Rate Exceeded.", verdict.Reason, RetrySeconds(retryAfter));
        await ProxyErrors.WriteAsync(ctx, error, retryAfter);
        LogRefused(_logger, function, gate.Spec.Id, verdict.Reason!, retryAfter.TotalMilliseconds);
        if (_observations.HasObservers)
        {
            _observations.Publish(new InvocationObserved
            {
                Source = _target,
                RequestId = ctx.TraceIdentifier,
                FunctionName = function,
                Qualifier = qualifier,
                InvocationType = string.IsNullOrEmpty(invocationType) ? InvocationTypes.RequestResponse : invocationType,
                Start = InvocationStart.None,
                Throttled = true,
                ThrottleReason = verdict.Reason,
                StartedAt = arrived,
                AgentPing = agentPing,
            });
        }
    }

    private void Observe(string function, string? qualifier, InvokeRequest invoke, DateTimeOffset arrived, InvokeResult? result, LambdaApiError? error)
    {
        if (!_observations.HasObservers || (_targetObservesItself && error?.StatusCode != 503))
        {
            return;
        }

        var report = result?.Report;
        _observations.Publish(new InvocationObserved
        {
            Source = _target,
            RequestId = result?.RequestId ?? Guid.NewGuid().ToString(),
            FunctionName = function,
            Qualifier = qualifier,
            ExecutedVersion = result?.ExecutedVersion,
            InvocationType = InvocationTypeName(invoke.InvocationType),
            AgentPing = invoke.PingProof is not null,
            Start = report is null ? InvocationStart.None : report.IsColdStart ? InvocationStart.Cold : InvocationStart.Warm,
            InitDuration = report?.InitDuration ?? TimeSpan.Zero,
            RunDuration = report?.Duration ?? TimeSpan.Zero,
            Throttled = error?.StatusCode == 429,
            ThrottleReason = error?.Reason,
            FunctionError = result?.FunctionError,
            ErrorType = error?.ErrorType,
            StartedAt = arrived,
            InFlightAtStart = 0,
        });
    }

    private static Task WriteResultAsync(HttpContext ctx, InvokeResult result, CancellationToken cancellationToken) =>
        InvokeResponseWriter.WriteAsync(
            ctx.Response,
            new InvokeResponseHead(result.StatusCode, result.RequestId, result.ExecutedVersion, result.FunctionError, result.LogResult, result.EnvironmentId),
            result.Payload,
            cancellationToken);

    private static string InvocationTypeName(LambdaInvocationType type) => type switch
    {
        LambdaInvocationType.Event => InvocationTypes.Event,
        LambdaInvocationType.DryRun => InvocationTypes.DryRun,
        _ => InvocationTypes.RequestResponse,
    };

    private static TimeSpan? RetryAfterOf(LambdaApiError error) =>
        error.RetryAfterSeconds is int s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>Whole seconds, rounded up so that no client retries before a permit exists.</summary>
    internal static int? RetrySeconds(TimeSpan? retryAfter) => retryAfter switch
    {
        null => null,
        { } r when r >= TimeSpan.FromDays(1) => 86_400,
        { } r => (int)Math.Ceiling(Math.Max(0, r.TotalSeconds)),
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a call of {Function} by rate limit {LimitId}: {Reason}, retry after {RetryAfterMs} ms")]
    private static partial void LogRefused(ILogger logger, string function, string limitId, string reason, double retryAfterMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding {Function} to target {Target} failed: {Status} {ErrorType}")]
    private static partial void LogForwardFailed(ILogger logger, string function, string target, int status, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "The invoke proxy failed")]
    private static partial void LogProxyFailed(ILogger logger, Exception exception);
}

/// <summary>Lambda-shaped error answers, with the precise Retry-After beside the whole-second one.</summary>
internal static class ProxyErrors
{
    public static Task WriteAsync(HttpContext ctx, LambdaApiError error, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } r && r < TimeSpan.FromDays(1))
        {
            ctx.Response.Headers[InvokeProxyEndpoint.RetryAfterMillisecondsHeader] =
                Math.Ceiling(Math.Max(0, r.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }

        return LambdaErrorWriter.WriteAsync(ctx, error, ctx.RequestAborted);
    }
}
