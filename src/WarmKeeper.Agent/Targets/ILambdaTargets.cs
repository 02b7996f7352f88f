using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Targets;

/// <summary>The Lambda endpoints the agent manages, by name: <c>local</c> and the configured ones.</summary>
public interface ILambdaTargets
{
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The target over its wire (HTTP, signed), as every caller that changes it uses it.</summary>
    bool TryGet(string name, out ILambdaControlPlane controlPlane);

    /// <summary>
    /// The target without a wire, where it runs in this process (the built-in runtime): for the invoke
    /// proxy, which only varies where a call goes. False where there is no such path.
    /// </summary>
    bool TryGetInProcess(string name, out ILambdaControlPlane controlPlane)
    {
        controlPlane = null!;
        return false;
    }

    /// <summary>True when the target itself reports every invocation it runs to the agent's observers.</summary>
    bool ReportsOwnInvocations(string name) => false;
}

/// <summary>Invocations of a function running right now, where the agent can see them.</summary>
public interface IInFlightGauge
{
    /// <returns>The count, or null where the target cannot tell.</returns>
    int? InFlight(string target, string function);
}
