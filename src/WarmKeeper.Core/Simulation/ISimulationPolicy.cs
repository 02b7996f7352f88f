namespace WarmKeeper.Core.Simulation;

/// <summary>
/// A warm-up / provisioning policy driven by the simulator. One instance serves one run (it may keep state).
/// </summary>
/// <remarks>
/// The simulator calls the policy at <see cref="OnStart"/> (t = 0, before any arrival), at the timers it
/// scheduled with <see cref="PolicyContext.ScheduleTimer"/>, and with each observation it asked for in
/// <see cref="Interest"/>, each at the observation's time. In every call the policy acts through the
/// <see cref="PolicyContext"/> at <see cref="PolicyContext.NowMs"/>; an action at t happens before the
/// invocations that arrive at t. The policy never sees the trace, the platform's REAP, or the environments.
/// An adapter for the production deciders (pure functions of policy, observations, state and now) keeps its
/// observations from <see cref="OnObservation"/> (or reads <see cref="PolicyContext.History"/>) and calls the
/// decider from <see cref="OnTimer"/>.
/// </remarks>
public interface ISimulationPolicy
{
    /// <summary>The observations this policy wants; read once before the run.</summary>
    PolicyInterest Interest { get; }

    /// <summary>Called once at t = 0 before any arrival: the place for initial provisioning and the first timers.</summary>
    void OnStart(PolicyContext context);

    /// <summary>Called at a time the policy scheduled.</summary>
    void OnTimer(PolicyContext context);

    /// <summary>Called with one observation at its <see cref="PolicyObservation.ObservedAtMs"/>.</summary>
    void OnObservation(PolicyContext context, in PolicyObservation observation);
}

/// <summary>Creates a fresh policy for each run. Named, so results can say which policy produced them.</summary>
public interface ISimulationPolicyFactory
{
    /// <summary>The policy's name in results (for instance <c>ping-5min</c>).</summary>
    string Name { get; }

    /// <summary>Creates the policy for one run over the given functions.</summary>
    ISimulationPolicy Create(IReadOnlyList<TraceFunction> functions);
}

/// <summary>A policy factory from a name and a delegate.</summary>
/// <param name="Name">The policy's name in results.</param>
/// <param name="Factory">Creates one policy instance for one run.</param>
public sealed record SimulationPolicyFactory(string Name, Func<IReadOnlyList<TraceFunction>, ISimulationPolicy> Factory) : ISimulationPolicyFactory
{
    /// <inheritdoc />
    public ISimulationPolicy Create(IReadOnlyList<TraceFunction> functions) => Factory(functions);
}
