using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Simmy;
using Polly.Simmy.Fault;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Resilience;

using WarmKeeper.Agent.Targets;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// The proxy's Polly pipeline per target, around the target client's own per-attempt timeout:
/// one retry when the connection was refused (nothing was sent, so repeating is safe), a circuit
/// breaker that stops piling calls onto a failing target, and Polly's chaos fault strategy, which
/// injects connection failures at <see cref="ChaosFaultRate"/> for fault drills (the agent's one chaos
/// switch, <c>WarmKeeper:FaultInjection</c> with <c>IncludeProxy</c>; zero by default).
/// </summary>
public sealed partial class ProxyResilience(
    IOptions<ProxyOptions> options, IOptions<FaultInjectionOptions> faults, TimeProvider time, ILogger<ProxyResilience> logger)
{
    // Lazy: GetOrAdd may run its factory twice under a race, and a circuit breaker's state provider
    // can join only one pipeline, so the second build would throw.
    private readonly ConcurrentDictionary<string, Lazy<ResiliencePipeline>> _pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _states = new(StringComparer.Ordinal);
    private double _chaosFaultRate = faults.Value.IncludeProxy ? faults.Value.FailureRate : 0;

    /// <summary>Share of forwarded calls failed on purpose, 0 to 1 (starts at <see cref="FaultInjectionOptions.FailureRate"/> when it includes the proxy).</summary>
    public double ChaosFaultRate
    {
        get => Volatile.Read(ref _chaosFaultRate);
        set => Volatile.Write(ref _chaosFaultRate, Math.Clamp(value, 0, 1));
    }

    /// <summary>closed, open, half-open or isolated; null before the target was first called.</summary>
    public CircuitState? CircuitOf(string target) => _states.TryGetValue(target, out var s) ? s.CircuitState : null;

    public ResiliencePipeline For(string target) =>
        _pipelines.GetOrAdd(target, t => new Lazy<ResiliencePipeline>(() => Build(t), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private ResiliencePipeline Build(string target)
    {
        var o = options.Value.Resilience;
        var state = _states.GetOrAdd(target, static _ => new CircuitBreakerStateProvider());
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(IsConnectionRefused(args.Outcome.Exception)),
                MaxRetryAttempts = 1,
                Delay = TimeSpan.FromMilliseconds(50),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(LambdaFailures.IsOutage(args.Outcome.Exception)),
                FailureRatio = o.FailureRatio,
                MinimumThroughput = o.MinimumThroughput,
                SamplingDuration = o.SamplingDuration,
                BreakDuration = o.BreakDuration,
                StateProvider = state,
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, target, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(logger, target);
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRateGenerator = _ => ValueTask.FromResult(ChaosFaultRate),
                EnabledGenerator = _ => ValueTask.FromResult(ChaosFaultRate > 0),
                FaultGenerator = _ => ValueTask.FromResult<Exception?>(new HttpRequestException(
                    HttpRequestError.ConnectionError, $"Chaos: a fault injected in front of target '{target}'.")),
            })
            .Build();
    }

    private static bool IsConnectionRefused(Exception? e)
    {
        if (e is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
        {
            return false;
        }

        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy circuit to target {Target} opened for {BreakDuration}: the target is failing")]
    private static partial void LogCircuitOpened(ILogger logger, string target, TimeSpan breakDuration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy circuit to target {Target} closed: the target answers again")]
    private static partial void LogCircuitClosed(ILogger logger, string target);
}
