using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Targets;

/// <summary>The Lambda endpoints the agent manages, by name: <c>local</c> and the configured ones.</summary>
public interface ILambdaTargets
{
    IReadOnlyCollection<string> Names { get; }

    bool TryGet(string name, out ILambdaControlPlane controlPlane);
}

/// <summary>Invocations of a function running right now, where the agent can see them.</summary>
public interface IInFlightGauge
{
    /// <returns>The count, or null where the target cannot tell.</returns>
    int? InFlight(string target, string function);
}
