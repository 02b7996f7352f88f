using WarmKeeper.Agent.Targets;
using WarmKeeper.Lambda;

namespace WarmKeeper.Testing;

/// <summary>The agent's targets as one fake control plane: for driving the reconciler and stores without a runtime.</summary>
public sealed class FakeTargets(FakeControlPlane plane) : ILambdaTargets
{
    public IReadOnlyCollection<string> Names { get; } = [plane.TargetName];

    public bool TryGet(string name, out ILambdaControlPlane controlPlane)
    {
        controlPlane = plane;
        return name == plane.TargetName;
    }
}
