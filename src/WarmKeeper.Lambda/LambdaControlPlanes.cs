using Microsoft.Extensions.DependencyInjection;

namespace WarmKeeper.Lambda;

/// <summary>All registered Lambda targets, by name.</summary>
public interface ILambdaControlPlanes
{
    IReadOnlyList<string> TargetNames { get; }

    /// <exception cref="KeyNotFoundException">No target of that name is registered.</exception>
    ILambdaControlPlane Get(string targetName);
}

internal sealed record LambdaTargetRegistration(string Name);

internal sealed class LambdaControlPlanes(IServiceProvider services, IEnumerable<LambdaTargetRegistration> registrations) : ILambdaControlPlanes
{
    private readonly HashSet<string> _names = new(registrations.Select(r => r.Name), StringComparer.Ordinal);

    public IReadOnlyList<string> TargetNames { get; } = registrations.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToArray();

    public ILambdaControlPlane Get(string targetName) =>
        _names.Contains(targetName)
            ? services.GetRequiredKeyedService<ILambdaControlPlane>(targetName)
            : throw new KeyNotFoundException($"No Lambda target named '{targetName}' is registered; known targets: {string.Join(", ", TargetNames)}.");
}
