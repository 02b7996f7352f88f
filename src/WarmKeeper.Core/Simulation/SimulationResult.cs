namespace WarmKeeper.Core.Simulation;

/// <summary>What a run cost, split by what the platform bills.</summary>
/// <param name="RequestsUsd">Requests: user invocations that ran plus pings.</param>
/// <param name="OnDemandDurationUsd">Duration on on-demand environments, init included on their cold starts.</param>
/// <param name="ProvisionedConcurrencyUsd">Provisioned concurrency configured over time.</param>
/// <param name="ProvisionedDurationUsd">Duration on provisioned environments.</param>
public sealed record CostBreakdown(
    double RequestsUsd,
    double OnDemandDurationUsd,
    double ProvisionedConcurrencyUsd,
    double ProvisionedDurationUsd)
{
    /// <summary>The sum of the parts.</summary>
    public double TotalUsd => RequestsUsd + OnDemandDurationUsd + ProvisionedConcurrencyUsd + ProvisionedDurationUsd;
}

/// <summary>Counts of one function (or of the whole run, in <see cref="SimulationResult"/>).</summary>
/// <param name="Invocations">User invocations in the trace, throttled ones included.</param>
/// <param name="ColdStarts">User invocations that created an environment (user-visible cold starts).</param>
/// <param name="WarmStarts">User invocations that reused an environment, provisioned ones included.</param>
/// <param name="ProvisionedStarts">Of the warm starts, those served by a provisioned environment.</param>
/// <param name="Throttles">User invocations refused for lack of concurrency; they did not run.</param>
/// <param name="Pings">Warm-up pings that ran.</param>
/// <param name="ColdPings">Of the pings, those that created an environment (not user-visible).</param>
/// <param name="PingThrottles">Pings refused for lack of concurrency.</param>
public sealed record SimulationCounts(
    long Invocations,
    long ColdStarts,
    long WarmStarts,
    long ProvisionedStarts,
    long Throttles,
    long Pings,
    long ColdPings,
    long PingThrottles);

/// <summary>The outcome of one (trace, policy, REAP) run.</summary>
/// <param name="Trace">The trace's name.</param>
/// <param name="Policy">The policy's name.</param>
/// <param name="ReapMs">The platform's idle timeout of the run.</param>
/// <param name="Counts">Totals over all functions.</param>
/// <param name="Cost">The bill.</param>
/// <param name="PerFunction">Counts and cost per function, in trace order.</param>
/// <param name="Decisions">Every ping and every change of provisioned concurrency the policy made, in time order, with its reason.</param>
public sealed record SimulationResult(
    string Trace,
    string Policy,
    long ReapMs,
    SimulationCounts Counts,
    CostBreakdown Cost,
    IReadOnlyList<FunctionResult> PerFunction,
    IReadOnlyList<PolicyDecision> Decisions)
{
    /// <summary>
    /// The sum of the functions' peak environment counts: an upper bound on the environments the account ever held
    /// at once. Below the account limit it proves the limit never bound.
    /// </summary>
    public int PeakEnvironmentsUpperBound => PerFunction.Sum(f => f.PeakEnvironments);

    /// <summary>User invocations in the trace.</summary>
    public long Invocations => Counts.Invocations;

    /// <summary>User-visible cold starts.</summary>
    public long ColdStarts => Counts.ColdStarts;

    /// <summary>Warm starts (provisioned ones included).</summary>
    public long WarmStarts => Counts.WarmStarts;

    /// <summary>Throttled user invocations.</summary>
    public long Throttles => Counts.Throttles;

    /// <summary>Pings that ran.</summary>
    public long Pings => Counts.Pings;

    /// <summary>Cold pings.</summary>
    public long ColdPings => Counts.ColdPings;

    /// <summary>Total cost in USD.</summary>
    public double CostUsd => Cost.TotalUsd;
}

/// <summary>One function's share of a run.</summary>
/// <param name="Function">The function's name.</param>
/// <param name="Counts">Its counts.</param>
/// <param name="Cost">Its bill.</param>
/// <param name="PeakEnvironments">Most environments the function held at once (after reaping).</param>
public sealed record FunctionResult(string Function, SimulationCounts Counts, CostBreakdown Cost, int PeakEnvironments);

/// <summary>What a policy decided to do.</summary>
public enum PolicyDecisionKind
{
    /// <summary>Warm-up pings; the value is the fan-out.</summary>
    Ping,

    /// <summary>A change of provisioned concurrency (ready 90 s later if an increase); the value is the new configured count.</summary>
    SetProvisionedConcurrency,

    /// <summary>Provisioned concurrency already in place at t = 0; the value is the count.</summary>
    InitialProvisionedConcurrency,
}

/// <summary>One action of a policy during a run, as the agent's event log would show it.</summary>
/// <param name="AtMs">When it acted.</param>
/// <param name="Function">The function's name.</param>
/// <param name="Kind">What it did.</param>
/// <param name="Value">Fan-out or provisioned concurrency.</param>
/// <param name="Reason">The policy's explanation, when it gave one.</param>
public sealed record PolicyDecision(long AtMs, string Function, PolicyDecisionKind Kind, int Value, string? Reason);
