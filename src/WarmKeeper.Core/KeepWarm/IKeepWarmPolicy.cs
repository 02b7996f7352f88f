namespace WarmKeeper.Core.KeepWarm;

/// <summary>
/// A keep-warm policy: decides when to ping a function's environments and how much provisioned concurrency to keep,
/// from what it has observed so far. One instance serves one driver run over a set of functions (it may keep state).
/// </summary>
/// <remarks>
/// A driver (the simulator on a virtual clock, the agent on real timers) calls the policy at <see cref="OnStart"/>
/// (t = 0, before any arrival), at the timers it scheduled with <see cref="KeepWarmContext.ScheduleTimer"/>, and with
/// each observation it asked for in <see cref="Interest"/>, each at the observation's time. In every call the policy
/// acts through the <see cref="KeepWarmContext"/> at <see cref="KeepWarmContext.NowMs"/>; an action at t happens
/// before the invocations that arrive at t. The policy never sees the future, the platform's idle timeout, or the
/// environments.
/// </remarks>
public interface IKeepWarmPolicy
{
    /// <summary>The observations this policy wants; read once before the run.</summary>
    KeepWarmInterest Interest { get; }

    /// <summary>Called once at t = 0 before any arrival: the place for initial provisioning and the first timers.</summary>
    void OnStart(KeepWarmContext context);

    /// <summary>Called at a time the policy scheduled.</summary>
    void OnTimer(KeepWarmContext context);

    /// <summary>Called with one observation at its <see cref="KeepWarmObservation.ObservedAtMs"/>.</summary>
    void OnObservation(KeepWarmContext context, in KeepWarmObservation observation);
}

/// <summary>Creates a fresh policy for each run. Named, so results can say which policy produced them.</summary>
public interface IKeepWarmPolicyFactory
{
    /// <summary>The policy's name in results (for instance <c>ping-5min</c>).</summary>
    string Name { get; }

    /// <summary>Creates the policy for one run over the given functions.</summary>
    IKeepWarmPolicy Create(IReadOnlyList<KeepWarmFunction> functions);
}

/// <summary>A policy factory from a name and a delegate.</summary>
/// <param name="Name">The policy's name in results.</param>
/// <param name="Factory">Creates one policy instance for one run.</param>
public sealed record KeepWarmPolicyFactory(string Name, Func<IReadOnlyList<KeepWarmFunction>, IKeepWarmPolicy> Factory) : IKeepWarmPolicyFactory
{
    /// <inheritdoc />
    public IKeepWarmPolicy Create(IReadOnlyList<KeepWarmFunction> functions) => Factory(functions);
}

/// <summary>A function a keep-warm policy looks after: what the policy may know of its configuration.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="MemoryMb">Its memory, which prices its pings and cold starts.</param>
/// <param name="InitMs">Its init time, which says how long a replacement takes to be ready.</param>
public sealed record KeepWarmFunction(string Name, int MemoryMb, int InitMs);
