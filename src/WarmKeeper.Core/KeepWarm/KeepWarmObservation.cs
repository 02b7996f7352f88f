namespace WarmKeeper.Core.KeepWarm;

/// <summary>What a policy learns, and when it learns it.</summary>
public enum ObservationKind : byte
{
    /// <summary>A user invocation arrived and was accepted; its outcome and duration are not known yet.</summary>
    InvocationArrived,

    /// <summary>A user invocation finished: arrival, duration and start kind are known now, at its end.</summary>
    InvocationCompleted,

    /// <summary>A user invocation was refused at arrival (account or reserved concurrency exhausted).</summary>
    InvocationThrottled,

    /// <summary>A warm-up ping finished; its start kind says whether it was cold.</summary>
    PingCompleted,

    /// <summary>A warm-up ping was refused at once (no concurrency left for it).</summary>
    PingThrottled,
}

/// <summary>How an execution environment was found for an invocation or ping.</summary>
public enum StartKind : byte
{
    /// <summary>Not known (an arrival) or not run (a throttle).</summary>
    None,

    /// <summary>A new environment was created; init was paid.</summary>
    Cold,

    /// <summary>An idle on-demand environment was reused.</summary>
    Warm,

    /// <summary>An idle provisioned environment was used.</summary>
    Provisioned,
}

/// <summary>
/// One fact delivered to a policy at <see cref="ObservedAtMs"/>, never earlier: that is what keeps a policy
/// from seeing the future. An invocation's duration is only in its <see cref="ObservationKind.InvocationCompleted"/>
/// observation, delivered at its end (arrival + init if cold + duration).
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="FunctionIndex">Index into <see cref="KeepWarmContext.Functions"/>.</param>
/// <param name="ObservedAtMs">When the policy learns it: arrival for arrivals and throttles, end for completions.</param>
/// <param name="ArrivalMs">When the invocation or ping arrived.</param>
/// <param name="DurationMs">Handler duration (excluding init) for completions; 0 otherwise.</param>
/// <param name="Start">How it started, for completions; <see cref="StartKind.None"/> otherwise.</param>
public readonly record struct KeepWarmObservation(
    ObservationKind Kind,
    int FunctionIndex,
    long ObservedAtMs,
    long ArrivalMs,
    int DurationMs,
    StartKind Start);

/// <summary>Which observations a policy wants delivered; the driver skips the work for the rest.</summary>
[Flags]
public enum KeepWarmInterest
{
    /// <summary>Timers only.</summary>
    None = 0,

    /// <summary><see cref="ObservationKind.InvocationArrived"/> and <see cref="ObservationKind.InvocationThrottled"/>.</summary>
    Arrivals = 1,

    /// <summary><see cref="ObservationKind.InvocationCompleted"/>.</summary>
    Completions = 2,

    /// <summary><see cref="ObservationKind.PingCompleted"/> and <see cref="ObservationKind.PingThrottled"/>.</summary>
    Pings = 4,

    /// <summary>Keep every delivered observation in <see cref="KeepWarmContext.History"/>.</summary>
    History = 8,

    /// <summary>Everything.</summary>
    All = Arrivals | Completions | Pings | History,
}
