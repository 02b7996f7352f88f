using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Targets;

/// <summary>Stands in when only the local runtime is configured.</summary>
internal sealed class NoConfiguredTargets : ILambdaControlPlanes
{
    public IReadOnlyList<string> TargetNames => [];

    public ILambdaControlPlane Get(string targetName) =>
        throw new KeyNotFoundException($"No Lambda target named '{targetName}' is configured.");
}
