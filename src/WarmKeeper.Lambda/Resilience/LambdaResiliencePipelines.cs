using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace WarmKeeper.Lambda.Resilience;

/// <summary>
/// The Polly pipelines of one target. Control-plane calls are idempotent (Put sets a value, Get
/// reads), so they are retried on anything transient, behind a circuit breaker. An Invoke may have
/// run even when its answer was lost, so it is retried only when it provably did not run.
/// </summary>
internal sealed class LambdaResiliencePipelines
{
    public LambdaResiliencePipelines(LambdaTargetOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var target = options.Name;

        // Polly's retry needs at least one attempt; zero retries means no retry strategy at all.
        var controlPlane = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetries > 0)
        {
            controlPlane.AddRetry(RetryOptions(options, options.MaxRetries, IsTransientControlPlaneFailure, logger));
        }

        ControlPlane = controlPlane
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Throttles and 4xx say the service is up and answering; only outages count.
                ShouldHandle = args => ValueTask.FromResult(LambdaFailures.IsOutage(args.Outcome.Exception)),
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                OnOpened = args =>
                {
                    LambdaLog.CircuitOpened(logger, target, args.BreakDuration, Describe(args.Outcome.Exception));
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LambdaLog.CircuitClosed(logger, target);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();

        InvokeOnce = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddTimeout(options.InvokeTimeout)
            .Build();

        InvokeWithRetry = options.InvokeMaxRetries <= 0 ? InvokeOnce : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(RetryOptions(options, options.InvokeMaxRetries, ProvablyDidNotRun, logger))
            .AddTimeout(options.InvokeTimeout)
            .Build();
    }

    private static RetryStrategyOptions RetryOptions(LambdaTargetOptions options, int maxRetries, Func<Exception?, bool> retryable, ILogger logger) => new()
    {
        ShouldHandle = args => ValueTask.FromResult(retryable(args.Outcome.Exception)),
        MaxRetryAttempts = maxRetries,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = options.RetryBaseDelay,
        MaxDelay = options.MaxRetryDelay,
        DelayGenerator = args => ValueTask.FromResult(RetryAfterOf(args.Outcome.Exception, options.MaxRetryDelay)),
        OnRetry = args =>
        {
            LambdaLog.RetryingRequest(logger, options.Name, args.Context.OperationKey, args.AttemptNumber + 1, args.RetryDelay, Describe(args.Outcome.Exception));
            return ValueTask.CompletedTask;
        },
    };

    /// <summary>Retry → circuit breaker → per-attempt timeout.</summary>
    public ResiliencePipeline ControlPlane { get; }

    /// <summary>Retry (only when the request provably did not run) → per-attempt timeout.</summary>
    public ResiliencePipeline InvokeWithRetry { get; }

    /// <summary>Per-attempt timeout only: for invocations that must never be repeated (warm-up pings).</summary>
    public ResiliencePipeline InvokeOnce { get; }

    internal static bool IsTransientControlPlaneFailure(Exception? exception) => exception switch
    {
        LambdaServiceException service => service.IsTransient,
        HttpRequestException => true,
        TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>
    /// A throttle is refused before the function runs; a refused TCP connection means nothing was
    /// sent. A timeout, a reset connection or a 5xx may all follow a run, so they are never retried.
    /// </summary>
    internal static bool ProvablyDidNotRun(Exception? exception) => exception switch
    {
        LambdaThrottledException => true,
        HttpRequestException http => IsConnectionRefused(http),
        _ => false,
    };

    private static bool IsConnectionRefused(HttpRequestException exception)
    {
        if (exception.HttpRequestError != HttpRequestError.ConnectionError)
        {
            return false;
        }

        for (Exception? inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }

    private static TimeSpan? RetryAfterOf(Exception? exception, TimeSpan cap) =>
        exception is LambdaServiceException { RetryAfter: { } retryAfter }
            ? (retryAfter > cap ? cap : retryAfter)
            : null;

    private static string Describe(Exception? exception) => exception switch
    {
        null => "no exception",
        LambdaServiceException service => $"{(int)service.StatusCode} {service.ErrorType}",
        _ => exception.GetType().Name,
    };
}
