namespace WarmKeeper.Core.Observations;

/// <summary>How an invocation found its execution environment.</summary>
public enum InvocationStart
{
    /// <summary>No environment ran it (throttled, rejected, or a DryRun).</summary>
    None,
    /// <summary>A new environment was created and initialized for it.</summary>
    Cold,
    /// <summary>An idle, already initialized environment served it.</summary>
    Warm,
}

/// <summary>
/// One invocation as a target saw it: the raw material of demand observation (in-flight,
/// cold-start rate, throttles). Published in-process by every target that runs or forwards invokes.
/// </summary>
public sealed record InvocationObserved
{
    /// <summary>The target that saw the invocation, e.g. <c>local</c> for the built-in runtime.</summary>
    public required string Source { get; init; }

    /// <summary>The AWS request id of the invocation.</summary>
    public required string RequestId { get; init; }

    public required string FunctionName { get; init; }

    /// <summary>The qualifier as the caller gave it (alias or version), null when none.</summary>
    public string? Qualifier { get; init; }

    /// <summary>The version that ran (or would have run): <c>$LATEST</c> or a number.</summary>
    public string? ExecutedVersion { get; init; }

    /// <summary>RequestResponse, Event or DryRun.</summary>
    public required string InvocationType { get; init; }

    /// <summary>The environment that ran it; null when none did.</summary>
    public string? EnvironmentId { get; init; }

    public InvocationStart Start { get; init; }

    /// <summary>True when a provisioned-concurrency environment served it.</summary>
    public bool Provisioned { get; init; }

    /// <summary>Time spent initializing the environment (cold starts only).</summary>
    public TimeSpan InitDuration { get; init; }

    /// <summary>Time the function ran (excluding init).</summary>
    public TimeSpan RunDuration { get; init; }

    public bool Throttled { get; init; }

    /// <summary>Lambda's throttle reason, e.g. <c>ReservedFunctionConcurrentInvocationLimitExceeded</c>.</summary>
    public string? ThrottleReason { get; init; }

    /// <summary>null on success; <c>Unhandled</c> or <c>Handled</c> when the function failed.</summary>
    public string? FunctionError { get; init; }

    /// <summary>Lambda's error type when the function failed (e.g. <c>Sandbox.Timedout</c>).</summary>
    public string? ErrorType { get; init; }

    /// <summary>When the invocation arrived.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>In-flight invocations of the function right after this one was admitted.</summary>
    public int InFlightAtStart { get; init; }

    /// <summary>
    /// A warm-up ping the agent itself sent, recognised by its proof (<see cref="Warmup.AgentPingProof"/>),
    /// never by its payload: not demand. A caller's payload that looks like a ping is demand like any other.
    /// </summary>
    public bool AgentPing { get; init; }
}

/// <summary>
/// Receives every observed invocation. Called off the invocation's hot path, one call at a time
/// per target; an exception thrown here is logged and never affects an invocation.
/// </summary>
public interface IInvocationObserver
{
    void OnInvocation(InvocationObserved invocation);
}
