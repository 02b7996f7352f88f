using WarmKeeper.Agent.Targets;
using WarmKeeper.Lambda;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>One target, the fake.</summary>
internal sealed class FakeTargets(FakeControlPlane controlPlane) : ILambdaTargets
{
    public IReadOnlyCollection<string> Names { get; } = [controlPlane.TargetName];

    public bool TryGet(string name, out ILambdaControlPlane found)
    {
        found = controlPlane;
        return name == controlPlane.TargetName;
    }
}
